DECLARE done BOOL DEFAULT (SELECT COUNT(*) > 0 FROM `dpone-test.landing._dpone_loads` WHERE load_id = @load_id);
DECLARE scd2_at TIMESTAMP DEFAULT TIMESTAMP(@loaded_at);
IF NOT done THEN
BEGIN TRANSACTION;
IF EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_stg_run_1_orders` GROUP BY `id` HAVING COUNT(*) > 1)
  OR EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_stg_run_1_orders` WHERE `id` IS NULL)
  OR EXISTS (SELECT 1 FROM `dpone-test.landing.orders` WHERE `current` AND `valid_from` > scd2_at) THEN
  RAISE USING MESSAGE = 'mode scd2: staging repeats a unique_key or holds a NULL one, or a current version starts after the load time: the target or staging changed after the check; nothing was committed';
END IF;
UPDATE `dpone-test.landing.orders` SET `current` = TRUE WHERE `current` IS NULL;
UPDATE `dpone-test.landing.orders` T SET `valid_to` = scd2_at, `current` = FALSE
FROM `dpone-test.landing._dpone_stg_run_1_orders` S
WHERE T.`current` AND T.`id` = S.`id` AND (T.`day` IS DISTINCT FROM S.`day` OR ((T.`doc` IS NULL) <> (PARSE_JSON(S.`doc`) IS NULL) OR TO_JSON_STRING(T.`doc`) <> TO_JSON_STRING(PARSE_JSON(S.`doc`))));
UPDATE `dpone-test.landing.orders` T SET `valid_to` = scd2_at, `current` = FALSE
WHERE T.`current` AND NOT EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_stg_run_1_orders` S WHERE T.`id` = S.`id`);
UPDATE `dpone-test.landing.orders` T SET `amount` = S.`amount`, `tags` = S.`tags`, `who` = S.`who`, `_dpone_run_id` = @run_id, `_dpone_loaded_at` = TIMESTAMP(@loaded_at)
FROM `dpone-test.landing._dpone_stg_run_1_orders` S
WHERE T.`current` AND T.`id` = S.`id` AND (T.`amount` IS DISTINCT FROM S.`amount` OR ((T.`tags` IS NULL) <> (S.`tags` IS NULL) OR TO_JSON_STRING(T.`tags`) <> TO_JSON_STRING(S.`tags`)) OR ((T.`who` IS NULL) <> (S.`who` IS NULL) OR TO_JSON_STRING(T.`who`) <> TO_JSON_STRING(S.`who`)));
INSERT INTO `dpone-test.landing.orders` (`id`, `day`, `amount`, `doc`, `tags`, `who`, `_dpone_run_id`, `_dpone_loaded_at`, `valid_from`, `valid_to`, `current`)
SELECT S.`id`, S.`day`, S.`amount`, PARSE_JSON(S.`doc`), S.`tags`, S.`who`, @run_id, TIMESTAMP(@loaded_at), scd2_at, CAST(NULL AS TIMESTAMP), TRUE FROM `dpone-test.landing._dpone_stg_run_1_orders` S
WHERE NOT EXISTS (SELECT 1 FROM `dpone-test.landing.orders` T WHERE T.`current` AND T.`id` = S.`id`);
INSERT INTO `dpone-test.landing._dpone_loads` (load_id, target, mode, `rows`, receipt, committed_at, manifest, unit)
SELECT @load_id, @target, @mode, COUNT(*), @receipt, CURRENT_TIMESTAMP(), @manifest, @unit FROM `dpone-test.landing._dpone_stg_run_1_orders`;
COMMIT TRANSACTION;
END IF;
