-- rowversion {"incremental_column":"updated_at"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= CAST(CAST(N'81985529216486895' AS bigint) AS binary(8)) AND [updated_at] < MIN_ACTIVE_ROWVERSION() ORDER BY [updated_at], [id];
