-- datetimeoffset(6) {"incremental_column":"updated_at"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= CAST(N'2024-06-30 12:00:00.000001 +00:00' AS datetimeoffset(6)) ORDER BY [updated_at], [id];
