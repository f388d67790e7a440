DECLARE @rc int; EXEC @rc = sp_getapplock @Resource = N'dpone:target:sales.orders', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1; IF @rc < 0 RAISERROR(N'dpone: could not lock the target', 16, 1);

SELECT COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @load_id;
-- @load_id = L1

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM sys.columns c JOIN sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[sales].[orders]', N'U') ORDER BY c.column_id;

ALTER TABLE [sales].[orders] ADD [_dpone_run_id] nvarchar(200) NULL;

ALTER TABLE [sales].[orders] ADD [_dpone_loaded_at] datetimeoffset(7) NULL;

DECLARE @outside bigint = (SELECT COUNT_BIG(*) FROM [sales].[_dpone_stg_l1] WHERE CASE WHEN ([at] >= '2024-01-01') THEN 0 ELSE 1 END = 1);
IF @outside > 0 BEGIN DECLARE @msg nvarchar(2048) = CONCAT(N'mode replace: ', @outside, N' staged rows fall outside strategy.where "[at] >= ''2024-01-01''": a rerun would not replace them; widen the predicate or filter the source'); THROW 51001, @msg, 1; END;

DELETE FROM [sales].[orders] WHERE [at] >= '2024-01-01';
SELECT CAST(0 AS bigint), CAST(0 AS bigint), CAST(@@ROWCOUNT AS bigint);

INSERT INTO [sales].[orders] ([id], [name], [amount], [code], [at], [odd]]name], [_dpone_run_id], [_dpone_loaded_at])
SELECT [id], [name], [amount], [code], [at], [odd]]name], CAST(@run_id AS nvarchar(200)), CAST(@loaded_at AS datetimeoffset(7)) FROM [sales].[_dpone_stg_l1];
SELECT CAST(@@ROWCOUNT AS bigint), CAST(0 AS bigint), CAST(0 AS bigint);
-- @run_id = run-1
-- @loaded_at = 2024-01-02T03:04:05Z

INSERT INTO [sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = sales.orders
-- @mode = replace
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 

DROP TABLE [sales].[_dpone_stg_l1];
