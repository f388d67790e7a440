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
PARTITION BY DATE_TRUNC(`day`, MONTH)
CLUSTER BY `id`
OPTIONS(partition_expiration_days = 90, description = 'orders from shop', labels = [('env', 'prod'), ('team', 'data')])