DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = N'dpone:target:sales.orders', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);

SELECT COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @load_id;
-- @load_id = L1

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[sales].[orders]', N'U') ORDER BY c.column_id;

DECLARE @lossy bigint = (SELECT COUNT_BIG(*) FROM [sales].[_dpone_stg_l1] AS s WHERE s.[name] IS NOT NULL AND CAST(CAST(s.[name] COLLATE SQL_Latin1_General_CP1_CI_AS AS varchar(max)) AS nvarchar(max)) COLLATE Latin1_General_100_BIN2 <> s.[name] COLLATE Latin1_General_100_BIN2);
IF @lossy > 0 BEGIN DECLARE @msg nvarchar(2048) = CONCAT(N'column name: ', @lossy, N' staged values have characters that varchar(50) COLLATE SQL_Latin1_General_CP1_CI_AS cannot hold (its code page); make the column nvarchar or give it a _UTF8 collation'); THROW 51001, @msg, 1; END;

TRUNCATE TABLE [sales].[orders];

INSERT INTO [sales].[orders] ([id], [name], [amount], [code], [at], [odd]]name])
SELECT [id], [name], [amount], [code], [at], [odd]]name] FROM [sales].[_dpone_stg_l1];
SELECT CAST(@@ROWCOUNT AS bigint), CAST(0 AS bigint), CAST(0 AS bigint);

INSERT INTO [sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = sales.orders
-- @mode = full_refresh
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 

DROP TABLE [sales].[_dpone_stg_l1];
