DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = N'dpone:target:sales.orders', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);

SELECT COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @load_id;
-- @load_id = L1

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[sales].[orders]', N'U') ORDER BY c.column_id;

ALTER TABLE [sales].[orders] ADD [_dpone_run_id] nvarchar(200) NULL;

ALTER TABLE [sales].[orders] ADD [_dpone_loaded_at] datetimeoffset(7) NULL;

ALTER TABLE [sales].[orders] ADD [from] datetimeoffset(6) NULL;

ALTER TABLE [sales].[orders] ADD [to] datetimeoffset(6) NULL;

ALTER TABLE [sales].[orders] ADD [is current] bit NULL DEFAULT 1 WITH VALUES;

DECLARE @at datetimeoffset(6) = CAST(@load_time AS datetimeoffset(6));
DECLARE @msg nvarchar(2048), @n bigint, @example nvarchar(400), @latest datetimeoffset(6);
DECLARE @ins bigint = 0, @upd bigint = 0, @del bigint = 0;
SELECT @n = COUNT_BIG(*), @example = MIN(k) FROM (SELECT CAST(CONCAT([id], N', ', [code]) AS nvarchar(400)) AS k FROM [sales].[_dpone_stg_l1] GROUP BY [id], [code] HAVING COUNT_BIG(*) > 1) AS d;
IF @n > 0 BEGIN SET @msg = CONCAT(N'mode scd2: ', @n, N' keys appear more than once in load L1 (e.g. [id], [code] = ', @example, N'): one load holds one version per key; deduplicate the source or read fewer changes per run'); THROW 51001, @msg, 1; END;
SET @n = (SELECT COUNT_BIG(*) FROM [sales].[_dpone_stg_l1] WHERE [id] IS NULL OR [code] IS NULL);
IF @n > 0 BEGIN SET @msg = CONCAT(N'mode scd2: ', @n, N' rows of load L1 have a NULL in unique_key [id], [code]: a NULL key identifies no history; filter them out or choose another key'); THROW 51001, @msg, 1; END;
SET @latest = (SELECT MAX([from]) FROM [sales].[orders] WHERE [is current] = 1 AND [from] > @at);
IF @latest IS NOT NULL BEGIN SET @msg = CONCAT(N'mode scd2: load time ', CONVERT(nvarchar(40), @at, 127), N' is before the start of a current version (from = ', CONVERT(nvarchar(40), @latest, 127), N'): history would run backwards; was the run''s clock or a replayed load late?'); THROW 51001, @msg, 1; END;
UPDATE t SET [to] = @at, [is current] = 0 FROM [sales].[orders] AS t JOIN [sales].[_dpone_stg_l1] AS s ON t.[id] = s.[id] AND t.[code] = s.[code] WHERE t.[is current] = 1 AND EXISTS (SELECT t.[name], t.[odd]]name] EXCEPT SELECT s.[name], s.[odd]]name]);
SET @upd = @@ROWCOUNT;
UPDATE t SET [to] = @at, [is current] = 0 FROM [sales].[orders] AS t WHERE t.[is current] = 1 AND NOT EXISTS (SELECT 1 FROM [sales].[_dpone_stg_l1] AS s WHERE t.[id] = s.[id] AND t.[code] = s.[code]);
SET @del = @@ROWCOUNT;
UPDATE t SET [amount] = s.[amount], [at] = s.[at], [_dpone_run_id] = CAST(@run_id AS nvarchar(200)), [_dpone_loaded_at] = CAST(@loaded_at AS datetimeoffset(7)) FROM [sales].[orders] AS t JOIN [sales].[_dpone_stg_l1] AS s ON t.[id] = s.[id] AND t.[code] = s.[code] WHERE t.[is current] = 1 AND EXISTS (SELECT t.[amount], t.[at] EXCEPT SELECT s.[amount], s.[at]);
SET @upd += @@ROWCOUNT;
INSERT INTO [sales].[orders] ([id], [name], [amount], [code], [at], [odd]]name], [_dpone_run_id], [_dpone_loaded_at], [from], [to], [is current])
SELECT s.[id], s.[name], s.[amount], s.[code], s.[at], s.[odd]]name], CAST(@run_id AS nvarchar(200)), CAST(@loaded_at AS datetimeoffset(7)), @at, NULL, 1 FROM [sales].[_dpone_stg_l1] AS s WHERE NOT EXISTS (SELECT 1 FROM [sales].[orders] AS t WHERE t.[is current] = 1 AND t.[id] = s.[id] AND t.[code] = s.[code]);
SET @ins = @@ROWCOUNT;
SELECT @ins, @upd, @del;
-- @run_id = run-1
-- @loaded_at = 2024-01-02T03:04:05Z
-- @load_time = 2024-01-02T03:04:05Z

INSERT INTO [sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = sales.orders
-- @mode = scd2
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 

DROP TABLE [sales].[_dpone_stg_l1];
