DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = N'dpone:target:sales.orders', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);

SELECT COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @load_id;
-- @load_id = L1

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[sales].[orders]', N'U') ORDER BY c.column_id;

ALTER TABLE [sales].[orders] ADD [_dpone_valid_from] datetimeoffset(6) NULL;

ALTER TABLE [sales].[orders] ADD [_dpone_valid_to] datetimeoffset(6) NULL;

ALTER TABLE [sales].[orders] ADD [_dpone_is_current] bit NULL DEFAULT 1 WITH VALUES;

DECLARE @lossy bigint = (SELECT COUNT_BIG(*) FROM [sales].[_dpone_stg_l1] AS s WHERE s.[name] IS NOT NULL AND CAST(CAST(s.[name] COLLATE SQL_Latin1_General_CP1_CI_AS AS varchar(max)) AS nvarchar(max)) COLLATE Latin1_General_100_BIN2 <> s.[name] COLLATE Latin1_General_100_BIN2);
IF @lossy > 0 BEGIN DECLARE @msg nvarchar(2048) = CONCAT(N'column name: ', @lossy, N' staged values have characters that varchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS cannot hold (its code page); make the column nvarchar or give it a _UTF8 collation'); THROW 51001, @msg, 1; END;

DECLARE @at datetimeoffset(6) = SYSDATETIMEOFFSET();
DECLARE @msg nvarchar(2048), @n bigint, @example nvarchar(400), @latest datetimeoffset(6);
DECLARE @ins bigint = 0, @upd bigint = 0, @del bigint = 0;
SELECT @n = COUNT_BIG(*), @example = MIN(k) FROM (SELECT CAST(CONCAT([id], N'') AS nvarchar(400)) AS k FROM [sales].[_dpone_stg_l1] GROUP BY [id] HAVING COUNT_BIG(*) > 1) AS d;
IF @n > 0 BEGIN SET @msg = CONCAT(N'mode scd2: ', @n, N' keys appear more than once in load L1 (e.g. [id] = ', @example, N'): one load holds one version per key; deduplicate the source or read fewer changes per run'); THROW 51001, @msg, 1; END;
SET @n = (SELECT COUNT_BIG(*) FROM [sales].[_dpone_stg_l1] WHERE [id] IS NULL);
IF @n > 0 BEGIN SET @msg = CONCAT(N'mode scd2: ', @n, N' rows of load L1 have a NULL in unique_key [id]: a NULL key identifies no history; filter them out or choose another key'); THROW 51001, @msg, 1; END;
SET @latest = (SELECT MAX([_dpone_valid_from]) FROM [sales].[orders] WHERE [_dpone_is_current] = 1 AND [_dpone_valid_from] > @at);
IF @latest IS NOT NULL BEGIN SET @msg = CONCAT(N'mode scd2: load time ', CONVERT(nvarchar(40), @at, 127), N' is before the start of a current version (_dpone_valid_from = ', CONVERT(nvarchar(40), @latest, 127), N'): history would run backwards; was the run''s clock or a replayed load late?'); THROW 51001, @msg, 1; END;
UPDATE t SET [_dpone_valid_to] = @at, [_dpone_is_current] = 0 FROM [sales].[orders] AS t JOIN [sales].[_dpone_stg_l1] AS s ON t.[id] = s.[id] WHERE t.[_dpone_is_current] = 1 AND EXISTS (SELECT t.[name], t.[amount], t.[code], t.[at], t.[odd]]name] EXCEPT SELECT s.[name], s.[amount], s.[code], s.[at], s.[odd]]name]);
SET @upd = @@ROWCOUNT;
INSERT INTO [sales].[orders] ([id], [name], [amount], [code], [at], [odd]]name], [_dpone_valid_from], [_dpone_valid_to], [_dpone_is_current])
SELECT s.[id], s.[name], s.[amount], s.[code], s.[at], s.[odd]]name], @at, NULL, 1 FROM [sales].[_dpone_stg_l1] AS s WHERE NOT EXISTS (SELECT 1 FROM [sales].[orders] AS t WHERE t.[_dpone_is_current] = 1 AND t.[id] = s.[id]);
SET @ins = @@ROWCOUNT;
SELECT @ins, @upd, @del;

INSERT INTO [sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = sales.orders
-- @mode = scd2
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 

DROP TABLE [sales].[_dpone_stg_l1];
