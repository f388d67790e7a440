// Package schema decides how a target table's schema may follow its
// source (evolution) and checks data contracts on Arrow batches
// (contracts and quarantine). It is pure library code: no I/O, no global
// state, safe for many runs in one process. The run engine calls it;
// connectors never see it: the host decides what changes, the sink renders
// the DDL (ApplySchema).
//
// # How the run engine uses it
//
// Per load unit, before any DDL or DML:
//
//	policy, err := schema.ParsePolicy(sinkOptions["schema_evolution"].(map[string]any)) // *ConfigError
//	policy.Managed = []string{lineage.RunIDColumn, lineage.LoadedAtColumn}
//	contract, err := schema.ParseContract(unit.SchemaContract)                           // nil if none
//
//	// target exists (DescribeTarget): plan the evolution
//	ev, err := schema.Diff(sourceFields, targetFields, policy)
//	fmt.Print(schema.Describe(ev))   // dpone plan, then ApplySchema(ev.Changes(), dry_run) for the DDL
//	if err != nil { /* *BreakingError(s): stop the unit, nothing touched */ }
//	ApplySchema(ev.Changes())        // before BeginLoad; skip when empty
//	BeginLoad(schema = ev.RenameSchema(sourceArrowSchema))
//
//	// per load: one Checker (unique values are remembered across batches)
//	ch, err := schema.NewChecker(contract, sourceArrowSchema) // *ConfigError, *FreezeError
//	for each batch rec (source schema, before renames):
//	    v, _ := ch.Check(rec)
//	    switch contract.Enforcement {
//	    case strict:     if !v.OK() { abort the load: v.Messages[0] names the first bad row }
//	    case warn:       write rec
//	    case quarantine: good, bad, _ := schema.Split(ctx, rec, v)
//	                     write ev.RenameRecord(good); q, _ := schema.Quarantine(mem, bad, v, stamp)
//	                     write q to schema.QuarantineTable(table) (schema QuarantineSchema)
//	    }
//	counts, rows, bad := ch.Totals() // for the run report
//
// The quarantine table is a second target in the same namespace: create
// or evolve it with Diff(QuarantineSchema(source), its DescribeTarget,
// Policy{Mode: ModeAdditive, OnTypeChange: TypeChangeFail}) and commit it
// with the load.
//
// # Evolution rules
//
// Diff compares each source column with the target column of the same
// name (exact; names that differ only in case are a breaking
// KindCaseConflict). The target type needed is Widen(source, target):
//
//	source -> target                        result
//	int8 -> int16 -> int32 -> int64         widen to the wider
//	uintN -> uintM (M > N)                  widen
//	uintN into intM                         int with more than N bits (uint8+int8 -> int16); uint64+int -> none
//	float32 -> float64                      widen
//	decimal(p1,s1) into decimal(p2,s2)      decimal(max integer digits + max scale, max scale):
//	                                        (18,4)+(20,4) -> (20,4); (10,2)+(10,4) -> (12,4);
//	                                        none beyond 38 digits unless a side already has more
//	string(n) into string(m)                longer one; unbounded (0) wins
//	uuid, json into string                  string(36) / unbounded string; never the reverse
//	binary(n) into binary(m)                longer one
//	time(p), timestamp(p[,tz])              more digits; timestamp with vs without zone -> none
//	narrower source into wider target       no change (int32 into int64, string(5) into string)
//	bool, date, interval, uuid, json, map   only the same type; maps only identical
//	list, struct                            fits when the elements (the fields, same names in
//	                                        the same order, no nullable into NOT NULL) fit; never widened
//	anything else (int <-> string, int -> float, date -> timestamp, ...)  none: incompatible
//
// Each difference is a ColumnChange of one kind; the policy's mode says
// whether it becomes DDL (Op) or a *BreakingError:
//
//	difference                                widening  additive  strict  freeze
//	new source column (KindAddColumn)         ADD       ADD       break   break
//	  (always added nullable: existing rows have no value)
//	target must widen (KindWidenType)         WIDEN     break*    break   break
//	source nullable, target NOT NULL          DROP NN   DROP NN   break   break
//	source NOT NULL, target nullable          ok        ok        ok      ok
//	source narrower than target               ok        ok        ok      break
//	target column missing, nullable           ok (NULL) ok        ok      break
//	target column missing, NOT NULL           break     break     break   break
//	incompatible / no wider type exists       break*    break*    break   break
//	names differ only in case                 break     break     break   break
//
// break* becomes new_column routing with on_type_change: new_column (allowed
// with widening and additive only; ParsePolicy rejects it with strict and
// freeze, which never add columns). Routing adds <col>__dpone_nc_<kind>
// (NewColumnName: qty__dpone_nc_string, ts__dpone_nc_timestamptz) as a
// nullable column of the source type, or reuses it if the target has it
// (widening it if needed), records Renames[col], and drops NOT NULL on the
// original column, which receives NULL for the new rows. Under widening a
// type that can widen in place is widened, never routed. Target columns
// named in Policy.Managed (lineage) or containing __dpone_nc_ are never
// "missing in the source". A nullable→NOT NULL change at the source
// needs nothing: a nullable target accepts non-NULL values.
//
// # Contract rules
//
// schema_contract: {enforcement: strict|quarantine|warn (default strict),
// freeze: bool, columns: {<col>: {type, nullable, unique, accepted_values,
// regex, min, max, max_length}}}. NewChecker compiles the rules against
// the source's Arrow types once; Check then type-switches once per column
// and loops over the typed values (no per-row boxing):
//
//	rule             code             applies to                       notes
//	type             TYPE             every column                     schema level: the Arrow type must Fit the
//	                                                                   declared type (int32 satisfies int64); a
//	                                                                   mismatch marks every row, other value rules skipped
//	nullable: false  NOT_NULL         every column                     a contracted column the source lacks is all NULL
//	accepted_values  ACCEPTED_VALUES  strings, bool, numbers,          values parsed once to the column type
//	                                  decimals, dates, timestamps
//	regex            REGEX            strings                          Go RE2 syntax, a search: anchor with ^...$
//	min, max         RANGE            ints, uints, floats, decimals,   inclusive; dates/timestamps as "2024-01-31",
//	                                  dates, times, timestamps         RFC 3339 or "2024-01-31 12:00:00" (UTC);
//	                                                                   NaN is out of range
//	max_length       MAX_LENGTH       strings (characters),
//	                                  binary (bytes)
//	unique           UNIQUE           scalar columns                   within the load, across batches; NULLs are not
//	                                                                   duplicates; checked last, only on rows that
//	                                                                   broke nothing else; the first occurrence stays good
//	freeze: true     *FreezeError     the schema                       source columns must equal the contracted set
//	                                                                   (under warn: Checker.Warnings)
//
// A row's first reason is its first broken rule in column order (source
// schema order, then contracted columns the source lacks) and, within a
// column, in the order of the table. Counts count every (column, rule)
// violation, so a row can be counted more than once; BadRows counts rows.
package schema
