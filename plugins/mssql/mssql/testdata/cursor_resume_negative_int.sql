-- bigint {"incremental_column":"updated_at"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= CAST(N'-15' AS bigint) ORDER BY [updated_at], [id];
