DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = N'dpone:target:sales.orders', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);

SELECT COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @load_id;
-- @load_id = L1

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[sales].[orders]', N'U') ORDER BY c.column_id;

ALTER TABLE [sales].[orders] ADD [_dpone_deleted_at] datetimeoffset(7) NULL;

DECLARE @lossy bigint = (SELECT COUNT_BIG(*) FROM [sales].[_dpone_stg_l1] AS s WHERE s.[name] IS NOT NULL AND CAST(CAST(s.[name] COLLATE SQL_Latin1_General_CP1_CI_AS AS varchar(max)) AS nvarchar(max)) COLLATE Latin1_General_100_BIN2 <> s.[name] COLLATE Latin1_General_100_BIN2);
IF @lossy > 0 BEGIN DECLARE @msg nvarchar(2048) = CONCAT(N'column name: ', @lossy, N' staged values have characters that varchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS cannot hold (its code page); make the column nvarchar or give it a _UTF8 collation'); THROW 51001, @msg, 1; END;

DECLARE @total bigint, @gone bigint;
SET @total = (SELECT COUNT_BIG(*) FROM [sales].[orders] AS t WHERE 1 = 1 AND t.[_dpone_deleted_at] IS NULL);
SET @gone = (SELECT COUNT_BIG(*) FROM [sales].[orders] AS t WHERE NOT EXISTS (SELECT 1 FROM [sales].[_dpone_stg_l1] AS s WHERE (t.[id] = s.[id] OR (t.[id] IS NULL AND s.[id] IS NULL))) AND t.[_dpone_deleted_at] IS NULL);
IF @total > 0 AND CAST(@gone AS float) / @total > 0.5 BEGIN DECLARE @msg nvarchar(2048) = CONCAT(N'mode snapshot_diff: would delete ', @gone, N' of ', @total, N' target rows (more than max_delete_ratio 0.5): is the source snapshot complete? raise strategy.max_delete_ratio to allow it'); THROW 51001, @msg, 1; END;

UPDATE t SET [_dpone_deleted_at] = SYSDATETIMEOFFSET() FROM [sales].[orders] AS t WHERE NOT EXISTS (SELECT 1 FROM [sales].[_dpone_stg_l1] AS s WHERE (t.[id] = s.[id] OR (t.[id] IS NULL AND s.[id] IS NULL))) AND t.[_dpone_deleted_at] IS NULL;
SELECT CAST(0 AS bigint), CAST(0 AS bigint), CAST(@@ROWCOUNT AS bigint);

DECLARE @actions TABLE (act nvarchar(10));
MERGE [sales].[orders] WITH (HOLDLOCK) AS t
USING (SELECT [id], [name], [amount], [code], [at], [odd]]name] FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY [id] ORDER BY [_dpone_seq] DESC) AS _dpone_rn FROM [sales].[_dpone_stg_l1]) AS x WHERE _dpone_rn = 1) AS s
ON (t.[id] = s.[id] OR (t.[id] IS NULL AND s.[id] IS NULL))
WHEN MATCHED AND (EXISTS (SELECT t.[name], t.[amount], t.[code], t.[at], t.[odd]]name] EXCEPT SELECT s.[name], s.[amount], s.[code], s.[at], s.[odd]]name]) OR t.[_dpone_deleted_at] IS NOT NULL) THEN UPDATE SET t.[name] = s.[name], t.[amount] = s.[amount], t.[code] = s.[code], t.[at] = s.[at], t.[odd]]name] = s.[odd]]name], t.[_dpone_deleted_at] = NULL
WHEN NOT MATCHED BY TARGET THEN INSERT ([id], [name], [amount], [code], [at], [odd]]name], [_dpone_deleted_at]) VALUES (s.[id], s.[name], s.[amount], s.[code], s.[at], s.[odd]]name], NULL)
OUTPUT $action INTO @actions;
SELECT CAST(ISNULL(SUM(CASE WHEN act = N'INSERT' THEN 1 ELSE 0 END), 0) AS bigint), CAST(ISNULL(SUM(CASE WHEN act = N'UPDATE' THEN 1 ELSE 0 END), 0) AS bigint), CAST(0 AS bigint) FROM @actions;

INSERT INTO [sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = sales.orders
-- @mode = snapshot_diff
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 

DROP TABLE [sales].[_dpone_stg_l1];
