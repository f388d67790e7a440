package cli

import (
	"fmt"

	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/state"
	"github.com/dpone-go/dpone/host/vault"
)

// credentialOptions are the manifest options of a command that opens
// connections: the environment, and Vault for connection_type vault. The
// returned close revokes the Vault leases taken (dynamic database
// credentials) and stops their renewal: call it when the command is done.
func (app *App) credentialOptions() (manifest.Options, func()) {
	v := vault.New(func(format string, args ...any) {
		fmt.Fprintf(app.Err, "dpone: "+format+"\n", args...)
	})
	return manifest.Options{Vault: v}, func() {
		if err := v.Close(); err != nil {
			fmt.Fprintf(app.Err, "dpone: %v\n", err)
		}
	}
}

// closingStore is a state store whose Close also revokes the Vault leases
// its manifest's credentials took (credentialOptions' close).
type closingStore struct {
	state.Store
	closeVault func()
}

// Close closes the store, then the Vault leases.
func (s closingStore) Close() error {
	defer s.closeVault()
	return s.Store.Close()
}
