package archtest

import (
	"strings"
	"testing"
)

// wireAllowed are the host-side packages that may import the generated
// protocol code (proto/gen) and proto/logical, whose API is in generated
// types (STYLE §21: wire types stay at the wire).
var wireAllowed = map[string]string{
	root + "/host/connector":                        "the gRPC client: builds requests, reads responses",
	root + "/host/connector/v1convert":              "the one converter between catalog types and dpone.connector.v1",
	root + "/host/connector/connectortest":          "fakes of the client's calls; their in-band errors carry v1 error codes",
	root + "/host/connector/internal/testplugin":    "a plugin that serves the protocol, for the client's own tests",
	root + "/host/connector/internal/v10/v10plugin": "a plugin built against the frozen protocol v1.0, for the N-1 test",
}

func wireImport(imp string) bool {
	return strings.HasPrefix(imp, root+"/proto/gen/") || imp == root+"/proto/logical" ||
		imp == root+"/host/connector/internal/v10/connectorv10"
}

func TestWireTypesStayAtTheWire(t *testing.T) {
	pkgs := listPackages(t)
	importers := map[string]bool{}
	for _, p := range pkgs {
		host := strings.HasPrefix(p.ImportPath, root+"/host/") || strings.HasPrefix(p.ImportPath, root+"/internal/") ||
			strings.HasPrefix(p.ImportPath, root+"/cmd/")
		if !host {
			continue
		}
		for _, imp := range p.Imports {
			if !wireImport(imp) {
				continue
			}
			importers[p.ImportPath] = true
			if _, ok := wireAllowed[p.ImportPath]; ok {
				continue
			}
			t.Errorf("%s imports %s: the host speaks catalog types; convert at the client through host/connector/v1convert", p.ImportPath, imp)
		}
	}
	for p := range wireAllowed {
		if !importers[p] {
			t.Errorf("%s no longer imports generated protocol code: remove it from wireAllowed", p)
		}
	}
}
