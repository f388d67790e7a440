DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = N'dpone:target:sales.orders', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);

SELECT COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @load_id;
-- @load_id = L1

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[sales].[orders]', N'U') ORDER BY c.column_id;

ALTER TABLE [sales].[orders] ADD [_dpone_loaded_at] datetimeoffset(7) NULL;

SET IDENTITY_INSERT [sales].[orders] ON;

DECLARE @total bigint, @gone bigint;
SET @total = (SELECT COUNT_BIG(*) FROM [sales].[orders] AS t WHERE 1 = 1);
SET @gone = (SELECT COUNT_BIG(*) FROM [sales].[orders] AS t WHERE NOT EXISTS (SELECT 1 FROM [sales].[_dpone_stg_l1] AS s WHERE (t.[id] = s.[id] OR (t.[id] IS NULL AND s.[id] IS NULL))));
IF @total > 0 AND CAST(@gone AS float) / @total > 0.5 BEGIN DECLARE @msg nvarchar(2048) = CONCAT(N'mode snapshot_diff: would delete ', @gone, N' of ', @total, N' target rows (more than max_delete_ratio 0.5): is the source snapshot complete? raise strategy.max_delete_ratio to allow it'); THROW 51001, @msg, 1; END;

DELETE t FROM [sales].[orders] AS t WHERE NOT EXISTS (SELECT 1 FROM [sales].[_dpone_stg_l1] AS s WHERE (t.[id] = s.[id] OR (t.[id] IS NULL AND s.[id] IS NULL)));
SELECT CAST(0 AS bigint), CAST(0 AS bigint), CAST(@@ROWCOUNT AS bigint);

DECLARE @actions TABLE (act nvarchar(10));
MERGE [sales].[orders] WITH (HOLDLOCK) AS t
USING (SELECT [id], [name], [code], [odd]]name] FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY [id] ORDER BY [_dpone_seq] DESC) AS _dpone_rn FROM [sales].[_dpone_stg_l1]) AS x WHERE _dpone_rn = 1) AS s
ON (t.[id] = s.[id] OR (t.[id] IS NULL AND s.[id] IS NULL))
WHEN MATCHED AND (EXISTS (SELECT t.[name], t.[code], t.[odd]]name] EXCEPT SELECT s.[name], s.[code], s.[odd]]name])) THEN UPDATE SET t.[name] = s.[name], t.[code] = s.[code], t.[odd]]name] = s.[odd]]name], t.[_dpone_run_id] = CAST(@run_id AS nvarchar(200)), t.[_dpone_loaded_at] = CAST(@loaded_at AS datetimeoffset(7))
WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [name], [code], [odd]]name], [_dpone_run_id], [_dpone_loaded_at]) VALUES (s.[id], s.[name], s.[code], s.[odd]]name], CAST(@run_id AS nvarchar(200)), CAST(@loaded_at AS datetimeoffset(7)))
OUTPUT $action INTO @actions;
SELECT CAST(ISNULL(SUM(CASE WHEN act = N'INSERT' THEN 1 ELSE 0 END), 0) AS bigint), CAST(ISNULL(SUM(CASE WHEN act = N'UPDATE' THEN 1 ELSE 0 END), 0) AS bigint), CAST(0 AS bigint) FROM @actions;
-- @run_id = run-1
-- @loaded_at = 2024-01-02T03:04:05Z

SET IDENTITY_INSERT [sales].[orders] OFF;

INSERT INTO [sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = sales.orders
-- @mode = snapshot_diff
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 

DROP TABLE [sales].[_dpone_stg_l1];
