SELECT * FROM `dpone-test.landing.orders` AS dpone_src ORDER BY `updated_at` ASC NULLS FIRST, `id` ASC NULLS FIRST
