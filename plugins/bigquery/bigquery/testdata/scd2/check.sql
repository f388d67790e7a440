SELECT
  (SELECT COUNT(*) FROM `dpone-test.landing._dpone_loads` WHERE load_id = @load_id) AS done,
  (SELECT COUNT(*) FROM (SELECT `id` FROM `dpone-test.landing._dpone_stg_run_1_orders` GROUP BY `id` HAVING COUNT(*) > 1)) AS duplicate_keys,
  (SELECT MIN(TO_JSON_STRING(STRUCT(`id`))) FROM (SELECT `id` FROM `dpone-test.landing._dpone_stg_run_1_orders` GROUP BY `id` HAVING COUNT(*) > 1)) AS example,
  (SELECT COUNT(*) FROM `dpone-test.landing._dpone_stg_run_1_orders` WHERE `id` IS NULL) AS null_keys,
  (SELECT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E6SZ', MAX(`_dpone_valid_from`), 'UTC') FROM `dpone-test.landing.orders` WHERE `_dpone_is_current` AND `_dpone_valid_from` > TIMESTAMP(@loaded_at)) AS latest,
  FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E6SZ', TIMESTAMP(@loaded_at), 'UTC') AS load_time
