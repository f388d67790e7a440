// Package v1convert maps the host's domain types (package catalog) to and
// from the generated types of protocol dpone.connector.v1, as Terraform's
// plugin6/convert does for tfplugin6. It and the connector client are the
// only host packages that import the generated code (checked by
// internal/archtest), so supporting a new protocol major, and keeping the
// previous one, means adding a sibling of this package.
//
// Arrow conversions go through proto/logical, the one definition of the
// Arrow field metadata that the SDK shares, and convert its result here.
package v1convert
