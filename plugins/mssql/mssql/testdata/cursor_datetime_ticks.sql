-- datetime {"incremental_column":"updated_at"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= CAST(CAST(N'2024-01-01 00:00:00.0033333' AS datetime2(7)) AS datetime) ORDER BY [updated_at], [id];
