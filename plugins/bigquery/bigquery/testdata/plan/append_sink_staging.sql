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
-- load job _dpone_stg_<load_id>_load (one per load; a retried commit finds it by id): source gs://lake/dpone/loads/<load_id>/part-NNNNN.parquet (sink.staging: the parts its _manifest.json lists, each checked against its size and sha256 before the job; the job's source URIs are theirs), format PARQUET, destination staging dpone-test.landing._dpone_stg_<load_id>, write disposition WRITE_TRUNCATE, create disposition CREATE_IF_NEEDED, decimal target types NUMERIC, BIGNUMERIC, schema update options none, labels dpone=load;
-- publish: query job _dpone_stg_<load_id>_commit: INSERT from staging and the receipt into `dpone-test.landing._dpone_loads`, one transaction
