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
// environment variables DPONE_CONN_<ID>_<FIELD> (ID upper-cased, other
// characters turned into "_"; FIELD lower-cased into the config key).
// Inline params are the base of the config and provider fields override
// them; connection_type params uses the params alone, and an endpoint
// without connection_id gets its params (or an empty config). Resolved
// credentials live in [Endpoint.Config] and must never be printed; use
// [Endpoint.RedactedConfig].
//
// Without naming, the sink table defaults to the source's schema and
// table; sink.strategy.mode defaults to full_refresh.
//
// Every problem found is reported at once (errors.Join) as an [*Error]
// carrying the file and line; [Unit.Explain] names the layer that set any
// field of a unit.
package manifest
