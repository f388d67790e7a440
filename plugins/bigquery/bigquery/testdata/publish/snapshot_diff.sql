DECLARE done BOOL DEFAULT (SELECT COUNT(*) > 0 FROM `dpone-test.landing._dpone_loads` WHERE load_id = @load_id);
DECLARE live INT64 DEFAULT (SELECT COUNT(*) FROM `dpone-test.landing.orders` T WHERE TRUE);
DECLARE gone INT64 DEFAULT (SELECT COUNT(*) FROM `dpone-test.landing.orders` T WHERE TRUE AND NOT EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_stg_run_1_orders` S WHERE T.`id` IS NOT DISTINCT FROM S.`id`));
IF NOT done AND live > 0 AND gone > live * 0.25 THEN
  RAISE USING MESSAGE = FORMAT('snapshot_diff would delete %d of %d rows, more than max_delete_ratio 0.25: raise max_delete_ratio if this is intended', gone, live);
END IF;
IF NOT done AND EXISTS (SELECT 1 FROM `dpone-test.landing._dpone_stg_run_1_orders` GROUP BY `id` HAVING COUNT(*) > 1) THEN
  RAISE USING MESSAGE = 'staged rows repeat a unique_key (id): deduplicate the source or fix unique_key';
END IF;
IF NOT done THEN
BEGIN TRANSACTION;
MERGE `dpone-test.landing.orders` T
USING `dpone-test.landing._dpone_stg_run_1_orders` S
ON T.`id` IS NOT DISTINCT FROM S.`id`
WHEN MATCHED THEN UPDATE SET `day` = S.`day`, `amount` = S.`amount`, `doc` = PARSE_JSON(S.`doc`), `tags` = S.`tags`, `who` = S.`who`, `_dpone_run_id` = @run_id, `_dpone_loaded_at` = TIMESTAMP(@loaded_at)
WHEN NOT MATCHED THEN INSERT (`id`, `day`, `amount`, `doc`, `tags`, `who`, `_dpone_run_id`, `_dpone_loaded_at`) VALUES (S.`id`, S.`day`, S.`amount`, PARSE_JSON(S.`doc`), S.`tags`, S.`who`, @run_id, TIMESTAMP(@loaded_at))
WHEN NOT MATCHED BY SOURCE THEN DELETE;
INSERT INTO `dpone-test.landing._dpone_loads` (load_id, target, mode, `rows`, receipt, committed_at, manifest, unit)
SELECT @load_id, @target, @mode, COUNT(*), @receipt, CURRENT_TIMESTAMP(), @manifest, @unit FROM `dpone-test.landing._dpone_stg_run_1_orders`;
COMMIT TRANSACTION;
END IF;
