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
-- load job _dpone_stg_<load_id>_load (one per load; a retried commit finds it by id): source the parts of sink.staging (<prefix>/<load_id>/part-NNNNN.parquet in its bucket, listed by _manifest.json and checked before the job; without sink.staging BeginLoad refuses the load: set config bucket), format PARQUET, destination staging dpone-test.landing._dpone_stg_<load_id>, write disposition WRITE_TRUNCATE, create disposition CREATE_IF_NEEDED, decimal target types NUMERIC, BIGNUMERIC, schema update options none, labels dpone=load;
-- publish: query job _dpone_stg_<load_id>_commit: INSERT from staging and the receipt into `dpone-test.landing._dpone_loads`, one transaction
