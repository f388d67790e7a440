SELECT * FROM `dpone-test.landing.orders` AS dpone_src WHERE `updated_at` IS NOT NULL AND `updated_at` >= CAST(@dpone_cursor AS TIMESTAMP) ORDER BY `updated_at` ASC NULLS FIRST, `id` ASC NULLS FIRST
-- @dpone_cursor = "2026-12-01 10:00:00.5+00"
