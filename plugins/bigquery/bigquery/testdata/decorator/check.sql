IF (SELECT MAX(generation) FROM `dpone-test.landing._dpone_fences` WHERE manifest = @manifest AND unit = @unit) > CAST(@generation AS INT64) THEN
  RAISE USING MESSAGE = FORMAT('load %s of unit %s/%s is fenced off: its run lock generation %s is older than the target fence (the run lost its unit lock and another run took the unit over); nothing was committed', @load_id, @manifest, @unit, @generation);
END IF;
IF EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_loads` WHERE target = @target AND manifest <> '' AND (manifest <> @manifest OR unit <> @unit)) THEN
  RAISE USING MESSAGE = FORMAT('target %s is loaded by another unit too; unit %s/%s would write into it as a second writer (appends would double rows): give the units different targets, or set sink.shared_target: true if both writers are intended', @target, @manifest, @unit);
END IF;
