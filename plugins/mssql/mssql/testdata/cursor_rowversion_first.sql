-- rowversion {"incremental_column":"updated_at","null_policy":"skip"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] < MIN_ACTIVE_ROWVERSION() ORDER BY [updated_at], [id];
