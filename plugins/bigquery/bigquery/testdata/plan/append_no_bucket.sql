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
-- load job _dpone_stg_<load_id>_load (one per load; a retried commit finds it by id): source the parts of sink.staging (<prefix>/<load_id>/part-NNNNN.parquet in its bucket, listed by _manifest.json and checked before the job; without sink.staging or config bucket, only a direct upload below loads), format PARQUET, destination staging dpone-test.landing._dpone_stg_<load_id>, write disposition WRITE_TRUNCATE, create disposition CREATE_IF_NEEDED, decimal target types NUMERIC, BIGNUMERIC, schema update options none, labels dpone=load
-- or direct upload: when a Write's Parquet is one part of at most 8388608 bytes (direct_upload_max_bytes), no Cloud Storage file: load job _dpone_stg_<load_id>_load_direct at the end of that Write, the same configuration with the part as the request's media (jobs.insert upload) instead of source URIs and label dpone_writer=<writer>; with no config bucket and no sink.staging, a larger Write, or a second small Write of the load, fails with a CONFIG error before it stages or loads anything;
-- publish: query job _dpone_stg_<load_id>_commit: INSERT from staging and the receipt into `dpone-test.landing._dpone_loads`, one transaction
