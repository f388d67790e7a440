DECLARE done BOOL DEFAULT (SELECT COUNT(*) > 0 FROM `dpone-test.landing._dpone_loads` WHERE load_id = @load_id);
IF NOT done THEN
BEGIN TRANSACTION;
DELETE FROM `dpone-test.landing.orders` T WHERE EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_stg_run_1_orders` S WHERE FORMAT_DATE('%Y%m', T.`day`) IS NOT DISTINCT FROM FORMAT_DATE('%Y%m', S.`day`));
INSERT INTO `dpone-test.landing.orders` (`id`, `day`, `amount`, `doc`, `tags`, `who`, `_dpone_run_id`, `_dpone_loaded_at`)
SELECT `id`, `day`, `amount`, PARSE_JSON(`doc`), `tags`, `who`, @run_id, TIMESTAMP(@loaded_at) FROM `dpone-test.landing._dpone_stg_run_1_orders`;
INSERT INTO `dpone-test.landing._dpone_loads` (load_id, target, mode, `rows`, receipt, committed_at, manifest, unit)
SELECT @load_id, @target, @mode, COUNT(*), @receipt, CURRENT_TIMESTAMP(), @manifest, @unit FROM `dpone-test.landing._dpone_stg_run_1_orders`;
COMMIT TRANSACTION;
END IF;
