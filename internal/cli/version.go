package cli

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/proto/handshake"
)

// versionInfo is what `dpone version` reports.
type versionInfo struct {
	Version            string `json:"version"`
	Protocol           int    `json:"protocol"`
	SupportedProtocols []int  `json:"supported_protocols"`
	Go                 string `json:"go"`
	Platform           string `json:"platform"`
}

func newVersionCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print dpone's version, the connector protocol versions it speaks and its Go version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			return runVersion(app, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func runVersion(app *App, asJSON bool) error {
	v := versionInfo{Version: app.Version, Protocol: handshake.ProtocolVersion,
		SupportedProtocols: handshake.SupportedProtocolVersions(),
		Go:                 runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if asJSON {
		enc := json.NewEncoder(app.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	fmt.Fprintf(app.Out, "dpone %s\nconnector protocol: v%d (supported: %s)\ngo: %s %s\n",
		v.Version, v.Protocol, protocolList(v.SupportedProtocols), v.Go, v.Platform)
	return nil
}

func protocolList(vs []int) string {
	s := ""
	for i, v := range vs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("v%d", v)
	}
	return s
}
