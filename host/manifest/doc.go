// Package manifest reads a dpone batch manifest (kind: dpone.batch.v1) and
// resolves it into load units.
//
// A manifest names many table copies at once. Each table under
// schemas.<schema>.tables becomes one [Unit], built by layering, in order:
//
//	builtin  src_schema, src_table, manifest_dir, manifest_id
//	vars     the top-level vars block
//	defaults the top-level defaults block
//	schemas.<s>.defaults
//	schemas.<s>.tables[<i>].vars, then .overrides
//
// Maps deep-merge, lists and scalars replace, and depends_on appends.
// Every string of the layered unit is then rendered as a Jinja template
// (gonja) with the unit's vars as context; vars may reference other vars.
// The naming block supplies the default sink table and the process name.
//
// Credentials come from the endpoint's connection_id: an entry of the
// top-level connections block (with ${ENV} interpolation) or, by default,
// environment variables DPONE_CONN_<ID>_<FIELD>. connection_type params
// uses the endpoint's inline params. Resolved credentials live in
// [Endpoint.Config] and must never be printed; use [Endpoint.RedactedConfig].
//
// Every problem found is reported at once (errors.Join) as an [*Error]
// carrying the file and line; [Unit.Explain] names the layer that set any
// field of a unit.
package manifest
