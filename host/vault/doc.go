// Package vault reads connection credentials from HashiCorp Vault for
// connection_type vault (the manifest's vault block): KV v2 secrets and
// dynamic secrets (database/creds/ROLE and the like), logging in with a
// token, AppRole or Kubernetes auth. A dynamic secret's lease, and a login
// token's, is renewed in the background while dpone runs, and revoked by
// Close. Secrets are handed to the manifest and never logged: messages name
// paths and lease ids' paths, never values.
package vault
