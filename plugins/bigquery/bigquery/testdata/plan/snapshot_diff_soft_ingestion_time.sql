CREATE TABLE IF NOT EXISTS `dpone-test.landing.orders` (
  `id` INT64 NOT NULL,
  `day` DATE,
  `amount` NUMERIC,
  `doc` JSON,
  `tags` ARRAY<STRING>,
  `who` STRUCT<`name` STRING>,
  `_dpone_run_id` STRING,
  `_dpone_loaded_at` TIMESTAMP,
  `_dpone_deleted_at` TIMESTAMP
)
PARTITION BY TIMESTAMP_TRUNC(_PARTITIONTIME, HOUR);
-- load job _dpone_stg_<load_id>_load (one per load; a retried commit finds it by id): source gs://dpone-test/dpone/_dpone_stg_<load_id>/part-*.parquet (config bucket; a unit with sink.staging loads the parts of its manifest instead), format PARQUET, destination staging dpone-test.landing._dpone_stg_<load_id>, write disposition WRITE_TRUNCATE, create disposition CREATE_IF_NEEDED, decimal target types NUMERIC, BIGNUMERIC, schema update options none, labels dpone=load
-- or direct upload: when a Write's Parquet is one part of at most 8388608 bytes (direct_upload_max_bytes), no Cloud Storage file: load job _dpone_stg_<load_id>_load_direct at the end of that Write, the same configuration with the part as the request's media (jobs.insert upload) instead of source URIs and label dpone_writer=<writer>; a larger Write, or a second small Write of the load (parallel source partitions), stages as above, and that load job then appends (WRITE_APPEND) the files to the direct rows;
-- publish: query job _dpone_stg_<load_id>_commit: MERGE from staging on `id` deleting the keys staging lacks and the receipt into `dpone-test.landing._dpone_loads`, one transaction
