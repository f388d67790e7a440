package sdk

// Version is this SDK's release, the tag sdk/<Version> in the dpone
// repository (module github.com/dpone-go/dpone/sdk). `dpone plugin new`
// requires it in the modules it writes, GetSpec reports it to the host,
// and certification reports record it. Bump it, and tag proto/ and sdk/,
// with every release (docs/plugin-authoring.md, "Releasing the SDK").
const Version = "v0.3.0"
