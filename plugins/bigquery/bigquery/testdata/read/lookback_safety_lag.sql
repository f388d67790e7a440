SELECT * FROM `dpone-test.landing.orders` AS dpone_src WHERE `updated_at` IS NOT NULL AND `updated_at` >= TIMESTAMP_SUB(CAST(@dpone_cursor AS TIMESTAMP), INTERVAL 2 HOUR) AND `updated_at` <= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 5 MINUTE) ORDER BY `updated_at` ASC NULLS FIRST
-- @dpone_cursor = "2026-12-01 10:00:00.5+00"
