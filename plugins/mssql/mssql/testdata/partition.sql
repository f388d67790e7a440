SELECT CAST(MIN([id]) AS bigint), CAST(MAX([id]) AS bigint) FROM [sales].[orders];
-- {"v":1,"column":"id","hi":35}
SELECT [id] FROM [sales].[orders] WHERE [id] < 35;
-- {"v":1,"column":"id","lo":35,"hi":69}
SELECT [id] FROM [sales].[orders] WHERE [id] >= 35 AND [id] < 69;
-- {"v":1,"column":"id","lo":69}
SELECT [id] FROM [sales].[orders] WHERE [id] >= 69;
