SELECT s.name, o.name, c.name, TYPE_NAME(c.system_type_id), c.max_length, c.precision, c.scale,
  c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  ISNULL((SELECT ic.key_ordinal FROM sys.indexes i JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
          WHERE i.object_id = o.object_id AND i.is_primary_key = 1 AND ic.column_id = c.column_id), 0),
  ISNULL((SELECT SUM(ps.row_count) FROM sys.dm_db_partition_stats ps WHERE ps.object_id = o.object_id AND ps.index_id IN (0, 1)), -1)
FROM sys.objects o
JOIN sys.schemas s ON s.schema_id = o.schema_id
JOIN sys.columns c ON c.object_id = o.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0 AND o.name NOT LIKE N'\_dpone\_%' ESCAPE N'\'
  AND (@schema IS NULL OR s.name = @schema) AND (@table IS NULL OR o.name = @table)
ORDER BY s.name, o.name, c.column_id;

SELECT [id], CAST([doc] AS nvarchar(max)) AS [doc] FROM [sales].[orders];
