-- datetimeoffset(7) {"incremental_column":"updated_at","safety_lag":"5 minutes"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= CAST(N'2024-01-01 00:00:00 +00:00' AS datetimeoffset(7)) AND [updated_at] <= DATEADD(minute, -5, SYSDATETIMEOFFSET()) ORDER BY [updated_at], [id];
