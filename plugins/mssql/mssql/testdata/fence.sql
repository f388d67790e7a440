IF OBJECT_ID(N'[crm].[sales].[_dpone_fences]', N'U') IS NULL CREATE TABLE [crm].[sales].[_dpone_fences] (
  manifest nvarchar(400) NOT NULL, unit nvarchar(400) NOT NULL, generation bigint NOT NULL,
  updated_at datetimeoffset(7) NOT NULL DEFAULT SYSDATETIMEOFFSET(), PRIMARY KEY (manifest, unit));
IF COL_LENGTH(N'[crm].[sales].[_dpone_loads]', N'manifest') IS NULL ALTER TABLE [crm].[sales].[_dpone_loads] ADD manifest nvarchar(400) NOT NULL DEFAULT N'';
IF COL_LENGTH(N'[crm].[sales].[_dpone_loads]', N'unit') IS NULL ALTER TABLE [crm].[sales].[_dpone_loads] ADD unit nvarchar(400) NOT NULL DEFAULT N'';

MERGE [crm].[sales].[_dpone_fences] WITH (HOLDLOCK) AS f
USING (SELECT @manifest AS manifest, @unit AS unit) AS s ON f.manifest = s.manifest AND f.unit = s.unit
WHEN MATCHED AND f.generation < @generation THEN UPDATE SET generation = @generation, updated_at = SYSDATETIMEOFFSET()
WHEN NOT MATCHED THEN INSERT (manifest, unit, generation) VALUES (@manifest, @unit, @generation);
SELECT generation FROM [crm].[sales].[_dpone_fences] WITH (UPDLOCK, HOLDLOCK) WHERE manifest = @manifest AND unit = @unit;
-- @manifest = shop
-- @unit = public.orders
-- @generation = 7

SELECT TOP (1) manifest, unit FROM [crm].[sales].[_dpone_loads] WHERE [target] = @target AND manifest <> N'' AND (manifest <> @manifest OR unit <> @unit);
-- @target = crm.sales.orders
-- @manifest = shop
-- @unit = public.orders
