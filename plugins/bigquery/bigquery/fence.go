package bigquery

import (
	"fmt"
	"strconv"
)

// The sink fences loads (sdk.Fence): <dataset>._dpone_fences keeps, per
// manifest and unit, the highest lock generation seen; receipts name the
// manifest and unit that committed them. BigQuery has no row locks: a
// commit checks the fence inside its transaction, and BigQuery aborts one
// of two transactions that change the same table concurrently, so a
// takeover's fence update and an older commit never both succeed.

// fencesDDL creates the dataset's fences table.
func (l *load) fencesDDL() string {
	return "CREATE TABLE IF NOT EXISTS " + l.fences + ` (
  manifest STRING NOT NULL, unit STRING NOT NULL, generation INT64 NOT NULL, updated_at TIMESTAMP NOT NULL
)`
}

// raiseFenceSQL raises the unit's fence to the request's generation, then
// fails when the fence is higher: a newer holder of the unit's lock has
// been here. "" without a fence.
func (l *load) raiseFenceSQL() string {
	if !l.req.Fence.Set() {
		return ""
	}
	return "MERGE " + l.fences + ` F
USING (SELECT @manifest AS manifest, @unit AS unit, CAST(@generation AS INT64) AS generation) N
ON F.manifest = N.manifest AND F.unit = N.unit
WHEN MATCHED AND F.generation < N.generation THEN UPDATE SET generation = N.generation, updated_at = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (manifest, unit, generation, updated_at) VALUES (N.manifest, N.unit, N.generation, CURRENT_TIMESTAMP());
` + l.checkFenceSQL()
}

// checkFenceSQL fails when the unit's fence is above the request's
// generation; "" without a fence.
func (l *load) checkFenceSQL() string {
	f := l.req.Fence
	if !f.Set() {
		return ""
	}
	return fmt.Sprintf(`IF (SELECT MAX(generation) FROM %s WHERE manifest = @manifest AND unit = @unit) > CAST(@generation AS INT64) THEN
  RAISE USING MESSAGE = FORMAT('load %%s of unit %%s/%%s is fenced off: its run lock generation %%s is older than the target fence (the run lost its unit lock and another run took the unit over); nothing was committed', @load_id, @manifest, @unit, @generation);
END IF;
`, l.fences)
}

// sharedTargetSQL refuses a target whose receipts name another manifest
// or unit, unless the unit set shared_target; "" when not checked.
func (l *load) sharedTargetSQL() string {
	f := l.req.Fence
	if f.Manifest == "" || f.SharedTarget {
		return ""
	}
	return fmt.Sprintf(`IF EXISTS (SELECT 1 FROM %s WHERE target = @target AND manifest <> '' AND (manifest <> @manifest OR unit <> @unit)) THEN
  RAISE USING MESSAGE = FORMAT('target %%s is loaded by another unit too; unit %%s/%%s would write into it as a second writer (appends would double rows): give the units different targets, or set sink.shared_target: true if both writers are intended', @target, @manifest, @unit);
END IF;
`, l.receipts)
}

// fenceParams are the fence's query parameters.
func (l *load) fenceParams(p map[string]string) map[string]string {
	f := l.req.Fence
	p["manifest"], p["unit"] = f.Manifest, f.Unit
	p["generation"] = strconv.FormatInt(f.Generation, 10)
	return p
}
