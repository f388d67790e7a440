DECLARE @id int = OBJECT_ID(N'[crm].[sales].[orders]', N'U');
SELECT CASE
  WHEN @id IS NULL THEN N''
  WHEN EXISTS (SELECT 1 FROM [crm].sys.foreign_keys WHERE referenced_object_id = @id OR parent_object_id = @id) THEN N'foreign keys reference it or it references other tables'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.sql_expression_dependencies WHERE referenced_id = @id) THEN N'views, functions or procedures depend on it'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.triggers WHERE parent_id = @id) THEN N'it has triggers'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.indexes WHERE object_id = @id AND type > 0 AND is_primary_key = 0) THEN N'it has indexes other than its primary key'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.indexes WHERE object_id = @id AND is_primary_key = 1 AND type <> 1) THEN N'its primary key is not clustered'
  WHEN ((SELECT COUNT(*) FROM [crm].sys.indexes i JOIN [crm].sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN [crm].sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = @id AND i.is_primary_key = 1 AND ic.key_ordinal > 0) <> 1 OR NOT EXISTS (SELECT 1 FROM [crm].sys.indexes i JOIN [crm].sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN [crm].sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id WHERE i.object_id = @id AND i.is_primary_key = 1 AND ic.key_ordinal > 0 AND ic.key_ordinal = 1 AND c.name = N'id')) THEN N'its primary key is not the load''s (id)'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.check_constraints WHERE parent_object_id = @id) OR EXISTS (SELECT 1 FROM [crm].sys.default_constraints WHERE parent_object_id = @id) THEN N'it has check or default constraints'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.database_permissions WHERE class = 1 AND major_id = @id) THEN N'permissions are granted on it'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.extended_properties WHERE class = 1 AND major_id = @id) THEN N'it has extended properties'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.tables WHERE object_id = @id AND (temporal_type <> 0 OR is_memory_optimized = 1 OR is_replicated = 1 OR is_tracked_by_cdc = 1 OR is_filetable = 1 OR lock_escalation <> 0)) THEN N'it is temporal, memory-optimized, replicated, tracked by CDC, a FileTable or has a lock escalation setting'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.change_tracking_tables WHERE object_id = @id) THEN N'change tracking is enabled on it'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.security_predicates WHERE target_object_id = @id) THEN N'a row-level security policy filters it'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.indexes i JOIN [crm].sys.partition_schemes ps ON ps.data_space_id = i.data_space_id WHERE i.object_id = @id) THEN N'it is partitioned'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.indexes i WHERE i.object_id = @id AND i.index_id IN (0, 1) AND i.data_space_id <> (SELECT data_space_id FROM [crm].sys.data_spaces WHERE is_default = 1)) THEN N'it is not on the default filegroup'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.partitions WHERE object_id = @id AND data_compression <> 0) THEN N'it is compressed'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.fulltext_indexes WHERE object_id = @id) THEN N'it has a full-text index'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.columns WHERE object_id = @id AND (is_identity = 1 OR is_computed = 1 OR is_sparse = 1 OR is_masked = 1 OR is_column_set = 1 OR system_type_id = 189)) THEN N'it has identity, computed, sparse, masked or rowversion columns'
  ELSE N'' END;

IF OBJECT_ID(N'[crm].[sales].[_dpone_stg_l1]', N'U') IS NULL CREATE TABLE [crm].[sales].[_dpone_stg_l1] (
  [id] bigint NOT NULL,
  [name] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NULL,
  [_dpone_run_id] nvarchar(max) COLLATE SQL_Latin1_General_CP1_CI_AS NULL,
  [_dpone_loaded_at] datetimeoffset(6) NULL);

SELECT c.name, t.name, c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  CASE WHEN EXISTS (SELECT 1 FROM [crm].sys.foreign_keys fk WHERE fk.referenced_object_id = c.object_id) THEN 1 ELSE 0 END
FROM [crm].sys.columns c JOIN [crm].sys.types t ON t.user_type_id = c.user_type_id
WHERE c.object_id = OBJECT_ID(N'[crm].[sales].[_dpone_stg_l1]', N'U') ORDER BY c.column_id;

SELECT CASE WHEN EXISTS (SELECT 1 FROM [crm].[sales].[_dpone_stg_l1] WHERE ISNULL([_dpone_run_id], N'') <> @run_id) THEN 1 ELSE 0 END;
-- @run_id = run-1

ALTER TABLE [crm].[sales].[_dpone_stg_l1] ADD PRIMARY KEY CLUSTERED ([id]);

SELECT COUNT_BIG(*), CAST(0 AS bigint), CAST(0 AS bigint) FROM [crm].[sales].[_dpone_stg_l1];

DROP TABLE [crm].[sales].[orders];

EXEC [crm].sys.sp_rename N'[sales].[_dpone_stg_l1]', N'orders', N'OBJECT';

INSERT INTO [crm].[sales].[_dpone_loads] (load_id, [target], [mode], [rows], receipt, manifest, unit) VALUES (@load_id, @target, @mode, @rows, @receipt, @manifest, @unit);
-- @load_id = L1
-- @target = crm.sales.orders
-- @mode = full_refresh
-- @rows = <rows published>
-- @receipt = {"k":"v"}
-- @manifest = 
-- @unit = 
