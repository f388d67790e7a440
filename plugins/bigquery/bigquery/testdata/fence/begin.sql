CREATE TABLE IF NOT EXISTS `dpone-test.landing._dpone_loads` (
  load_id STRING NOT NULL, target STRING NOT NULL, mode STRING NOT NULL,
  `rows` INT64 NOT NULL, receipt STRING, committed_at TIMESTAMP NOT NULL,
  manifest STRING NOT NULL, unit STRING NOT NULL
);
CREATE TABLE IF NOT EXISTS `dpone-test.landing._dpone_fences` (
  manifest STRING NOT NULL, unit STRING NOT NULL, generation INT64 NOT NULL, updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS `dpone-test.landing.orders` (
  `id` INT64 NOT NULL,
  `day` DATE,
  `amount` NUMERIC,
  `doc` JSON,
  `tags` ARRAY<STRING>,
  `who` STRUCT<`name` STRING>,
  `_dpone_run_id` STRING,
  `_dpone_loaded_at` TIMESTAMP
);
MERGE `dpone-test.landing._dpone_fences` F
USING (SELECT @manifest AS manifest, @unit AS unit, CAST(@generation AS INT64) AS generation) N
ON F.manifest = N.manifest AND F.unit = N.unit
WHEN MATCHED AND F.generation < N.generation THEN UPDATE SET generation = N.generation, updated_at = CURRENT_TIMESTAMP()
WHEN NOT MATCHED THEN INSERT (manifest, unit, generation, updated_at) VALUES (N.manifest, N.unit, N.generation, CURRENT_TIMESTAMP());
IF (SELECT MAX(generation) FROM `dpone-test.landing._dpone_fences` WHERE manifest = @manifest AND unit = @unit) > CAST(@generation AS INT64) THEN
  RAISE USING MESSAGE = FORMAT('load %s of unit %s/%s is fenced off: its run lock generation %s is older than the target fence (the run lost its unit lock and another run took the unit over); nothing was committed', @load_id, @manifest, @unit, @generation);
END IF;
IF EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_loads` WHERE target = @target AND manifest <> '' AND (manifest <> @manifest OR unit <> @unit)) THEN
  RAISE USING MESSAGE = FORMAT('target %s is loaded by another unit too; unit %s/%s would write into it as a second writer (appends would double rows): give the units different targets, or set sink.shared_target: true if both writers are intended', @target, @manifest, @unit);
END IF;
