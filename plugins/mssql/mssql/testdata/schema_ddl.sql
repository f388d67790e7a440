-- create
IF SCHEMA_ID(N'sales') IS NULL EXEC(N'CREATE SCHEMA [sales]');
CREATE TABLE [sales].[orders] (
  [id] bigint NOT NULL,
  [name] nvarchar(max) NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NOT NULL,
  PRIMARY KEY ([id], [odd]]name]));

-- create dbo
IF SCHEMA_ID(N'dbo') IS NULL EXEC(N'CREATE SCHEMA [dbo]');
CREATE TABLE [dbo].[orders] (
  [id] bigint NOT NULL,
  [name] nvarchar(max) NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NOT NULL,
  PRIMARY KEY ([id], [odd]]name]));

-- create three-part
IF (SELECT schema_id FROM [crm].sys.schemas WHERE name = N'sales') IS NULL EXEC [crm].sys.sp_executesql N'CREATE SCHEMA [sales]';
CREATE TABLE [crm].[sales].[orders] (
  [id] bigint NOT NULL,
  [name] nvarchar(max) NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NOT NULL,
  PRIMARY KEY ([id], [odd]]name]));

-- create keyed by an unbounded string
IF SCHEMA_ID(N'sales') IS NULL EXEC(N'CREATE SCHEMA [sales]');
CREATE TABLE [sales].[orders] (
  [id] bigint NOT NULL,
  [name] nvarchar(450) NOT NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NULL,
  PRIMARY KEY ([name]));

-- create scd2 (history columns, no primary key)
IF SCHEMA_ID(N'sales') IS NULL EXEC(N'CREATE SCHEMA [sales]');
CREATE TABLE [sales].[orders] (
  [id] bigint NOT NULL,
  [name] nvarchar(max) NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NULL,
  [_dpone_valid_from] datetimeoffset(6) NULL,
  [_dpone_valid_to] datetimeoffset(6) NULL,
  [_dpone_is_current] bit NULL);

-- add
ALTER TABLE [sales].[orders] ADD [note] nvarchar(max) NULL;

-- widen
ALTER TABLE [sales].[orders] ALTER COLUMN [name] nvarchar(80) COLLATE Latin1_General_100_CI_AS NOT NULL;
ALTER TABLE [sales].[orders] ALTER COLUMN [qty] bigint NULL;

-- drop not null
ALTER TABLE [sales].[orders] ALTER COLUMN [at] datetime2(3) NULL;

-- widen and drop not null
ALTER TABLE [sales].[orders] ALTER COLUMN [name] nvarchar(80) COLLATE Latin1_General_100_CI_AS NULL;

-- DescribeTarget in crm
SELECT s.name, o.name, c.name, TYPE_NAME(c.system_type_id), c.max_length, c.precision, c.scale,
  c.is_nullable, c.is_identity, c.is_computed, ISNULL(c.collation_name, N''),
  ISNULL((SELECT ic.key_ordinal FROM [crm].sys.indexes i JOIN [crm].sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
          WHERE i.object_id = o.object_id AND i.is_primary_key = 1 AND ic.column_id = c.column_id), 0),
  ISNULL((SELECT SUM(ps.row_count) FROM [crm].sys.dm_db_partition_stats ps WHERE ps.object_id = o.object_id AND ps.index_id IN (0, 1)), -1)
FROM [crm].sys.objects o
JOIN [crm].sys.schemas s ON s.schema_id = o.schema_id
JOIN [crm].sys.columns c ON c.object_id = o.object_id
WHERE o.type IN ('U', 'V') AND o.is_ms_shipped = 0 AND o.name NOT LIKE N'\_dpone\_%' ESCAPE N'\'
  AND (@schema IS NULL OR s.name = @schema) AND (@table IS NULL OR o.name = @table)
ORDER BY s.name, o.name, c.column_id;
