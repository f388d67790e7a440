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