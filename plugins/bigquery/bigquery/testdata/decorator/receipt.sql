DECLARE done BOOL DEFAULT (SELECT COUNT(*) > 0 FROM `dpone-test.landing._dpone_loads` WHERE load_id = @load_id);
IF NOT done THEN
BEGIN TRANSACTION;
IF (SELECT MAX(generation) FROM `dpone-test.landing._dpone_fences` WHERE manifest = @manifest AND unit = @unit) > CAST(@generation AS INT64) THEN
  RAISE USING MESSAGE = FORMAT('load %s of unit %s/%s is fenced off: its run lock generation %s is older than the target fence (the run lost its unit lock and another run took the unit over); nothing was committed', @load_id, @manifest, @unit, @generation);
END IF;
INSERT INTO `dpone-test.landing._dpone_loads` (load_id, target, mode, `rows`, receipt, committed_at, manifest, unit)
SELECT @load_id, @target, @mode, COUNT(*), @receipt, CURRENT_TIMESTAMP(), @manifest, @unit FROM `dpone-test.landing._dpone_stg_run_1_orders`;
COMMIT TRANSACTION;
END IF;
