IF SCHEMA_ID(N'sales') IS NULL EXEC(N'CREATE SCHEMA [sales]');

IF OBJECT_ID(N'[sales].[_dpone_loads]', N'U') IS NULL CREATE TABLE [sales].[_dpone_loads] (
  load_id nvarchar(200) NOT NULL PRIMARY KEY, [target] nvarchar(800) NOT NULL, [mode] nvarchar(64) NOT NULL,
  [rows] bigint NOT NULL, receipt nvarchar(max) NULL, committed_at datetimeoffset(7) NOT NULL DEFAULT SYSDATETIMEOFFSET(),
  manifest nvarchar(400) NOT NULL DEFAULT N'', unit nvarchar(400) NOT NULL DEFAULT N'');

IF OBJECT_ID(N'[sales].[_dpone_stg_l1]', N'U') IS NULL CREATE TABLE [sales].[_dpone_stg_l1] (
  [id] bigint NULL,
  [name] nvarchar(max) NULL,
  [amount] decimal(38,10) NULL,
  [code] uniqueidentifier NULL,
  [at] datetimeoffset(6) NULL,
  [odd]]name] bit NULL,
  [_dpone_seq] bigint IDENTITY(1,1) NOT NULL);

IF OBJECT_ID(N'[sales].[_dpone_stg_l1]', N'U') IS NOT NULL DROP TABLE [sales].[_dpone_stg_l1];

DECLARE @c int = 0;
IF OBJECT_ID(N'[sales].[_dpone_loads]', N'U') IS NOT NULL
  EXEC sp_executesql N'SELECT @c = COUNT(*) FROM [sales].[_dpone_loads] WHERE load_id = @id', N'@id nvarchar(200), @c int OUTPUT', @id = @load_id, @c = @c OUTPUT;
SELECT @c, CASE WHEN OBJECT_ID(N'[sales].[_dpone_stg_l1]', N'U') IS NULL THEN 0 ELSE 1 END;
-- @load_id = L1
