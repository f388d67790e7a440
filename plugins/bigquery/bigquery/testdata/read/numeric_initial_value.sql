SELECT * FROM `dpone-test.landing.orders` AS dpone_src WHERE (`amount` IS NULL OR (`amount` >= CAST(@dpone_cursor AS NUMERIC))) ORDER BY `amount` ASC NULLS FIRST
-- @dpone_cursor = "100"
