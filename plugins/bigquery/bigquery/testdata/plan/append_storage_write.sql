CREATE TABLE IF NOT EXISTS `dpone-test.landing.orders` (
  `id` INT64 NOT NULL,
  `day` DATE,
  `amount` NUMERIC,
  `doc` JSON,
  `tags` ARRAY<STRING>,
  `who` STRUCT<`name` STRING>,
  `_dpone_run_id` STRING,
  `_dpone_loaded_at` TIMESTAMP
)
PARTITION BY RANGE_BUCKET(`id`, GENERATE_ARRAY(0, 100000, 100));
-- write: Storage Write API into staging `dpone-test.landing._dpone_stg_<load_id>` (created by each Write), one COMMITTED write stream per Write, AppendRows at explicit offsets, requests under 9 MiB, 4 in flight; no Cloud Storage files, no load job;
-- publish: query job _dpone_stg_<load_id>_commit: INSERT from staging and the receipt into `dpone-test.landing._dpone_loads`, one transaction
