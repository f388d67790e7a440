-- datetime2(3) {"incremental_column":"updated_at","lookback":"2 hours"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= DATEADD(hour, -2, CAST(N'2024-01-01 00:00:00' AS datetime2(3))) ORDER BY [updated_at], [id];
