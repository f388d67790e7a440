CREATE TABLE IF NOT EXISTS `dpone-test.landing.orders` (
  `id` INT64 NOT NULL OPTIONS(description = 'order id'),
  `day` DATE,
  `amount` NUMERIC,
  `doc` JSON,
  `tags` ARRAY<STRING>,
  `who` STRUCT<`name` STRING>,
  `_dpone_run_id` STRING,
  `_dpone_loaded_at` TIMESTAMP
)
PARTITION BY `day`
CLUSTER BY `id`
OPTIONS(partition_expiration_days = 400, description = 'orders from shop', labels = [('team', 'data')]);
-- load job _dpone_stg_<load_id>_load (one per load; a retried commit finds it by id): source gs://dpone-test/dpone/_dpone_stg_<load_id>/part-*.parquet (config bucket; a unit with sink.staging loads the parts of its manifest instead), format PARQUET, destination staging dpone-test.landing._dpone_stg_<load_id>, write disposition WRITE_TRUNCATE, create disposition CREATE_IF_NEEDED, decimal target types NUMERIC, BIGNUMERIC, schema update options none, labels dpone=load;
-- publish: query job _dpone_stg_<load_id>_commit: MERGE from staging on `id` and the receipt into `dpone-test.landing._dpone_loads`, one transaction
