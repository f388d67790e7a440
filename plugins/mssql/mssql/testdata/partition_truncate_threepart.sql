DECLARE @id int = OBJECT_ID(N'[crm].[sales].[orders]', N'U');
SELECT pf.name, c.name, CASE
  WHEN EXISTS (SELECT 1 FROM [crm].sys.foreign_keys WHERE referenced_object_id = @id) THEN N'foreign keys reference it'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.indexes x WHERE x.object_id = @id AND NOT EXISTS (SELECT 1 FROM [crm].sys.partition_schemes ps2
      JOIN [crm].sys.index_columns ic2 ON ic2.object_id = x.object_id AND ic2.index_id = x.index_id AND ic2.partition_ordinal = 1
      WHERE ps2.data_space_id = x.data_space_id AND ps2.function_id = pf.function_id AND ic2.column_id = ic.column_id)) THEN N'an index is not aligned with its partitioning'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.sql_expression_dependencies WHERE referenced_id = @id AND is_schema_bound_reference = 1) THEN N'schema-bound views or functions depend on it'
  WHEN EXISTS (SELECT 1 FROM [crm].sys.tables WHERE object_id = @id AND (is_replicated = 1 OR is_tracked_by_cdc = 1 OR temporal_type <> 0)) THEN N'it is replicated, tracked by CDC or system-versioned'
  ELSE N'' END
FROM [crm].sys.indexes i
JOIN [crm].sys.partition_schemes ps ON ps.data_space_id = i.data_space_id
JOIN [crm].sys.partition_functions pf ON pf.function_id = ps.function_id
JOIN [crm].sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
JOIN [crm].sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE i.object_id = @id AND i.index_id IN (0, 1);

DECLARE @parts TABLE (n int PRIMARY KEY);
INSERT INTO @parts (n) SELECT DISTINCT [crm].$PARTITION.[pf_month](s.[at]) FROM [crm].[sales].[_dpone_stg_l1] AS s;
DECLARE @removed bigint = (SELECT COUNT_BIG(*) FROM [crm].[sales].[orders] AS t WHERE [crm].$PARTITION.[pf_month](t.[at]) IN (SELECT n FROM @parts));
IF EXISTS (SELECT 1 FROM [crm].[sales].[orders] AS t WHERE [crm].$PARTITION.[pf_month](t.[at]) IN (SELECT n FROM @parts) AND NOT EXISTS (SELECT 1 FROM [crm].[sales].[_dpone_stg_l1] AS s WHERE (t.[at] = s.[at] OR (t.[at] IS NULL AND s.[at] IS NULL))))
BEGIN
  -- a touched partition holds values the load does not replace: they stay
  DELETE t FROM [crm].[sales].[orders] AS t WHERE EXISTS (SELECT 1 FROM [crm].[sales].[_dpone_stg_l1] AS s WHERE (t.[at] = s.[at] OR (t.[at] IS NULL AND s.[at] IS NULL)));
  SET @removed = @@ROWCOUNT;
END
ELSE
BEGIN
  DECLARE @n int = (SELECT MIN(n) FROM @parts), @sql nvarchar(max);
  WHILE @n IS NOT NULL
  BEGIN
    SET @sql = N'TRUNCATE TABLE [crm].[sales].[orders] WITH (PARTITIONS (' + CAST(@n AS nvarchar(10)) + N'));';
    EXEC sp_executesql @sql;
    SET @n = (SELECT MIN(n) FROM @parts WHERE n > @n);
  END
END
SELECT CAST(0 AS bigint), CAST(0 AS bigint), @removed;
