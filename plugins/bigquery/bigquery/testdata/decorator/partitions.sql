SELECT FORMAT_DATE('%Y%m%d', `day`) AS partition_id, COUNT(*) AS n FROM `dpone-test.landing._dpone_stg_run_1_orders` GROUP BY partition_id ORDER BY partition_id
