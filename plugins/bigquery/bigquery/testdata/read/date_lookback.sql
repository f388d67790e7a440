SELECT * FROM `dpone-test.landing.orders` AS dpone_src WHERE `day` IS NOT NULL AND `day` >= DATE_SUB(CAST(@dpone_cursor AS DATE), INTERVAL 3 DAY) ORDER BY `day` ASC NULLS FIRST
-- @dpone_cursor = "2026-12-01"
