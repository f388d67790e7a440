-- int {"incremental_column":"updated_at","lookback":100}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL AND [updated_at] >= (CAST(N'1000' AS int) - 100) ORDER BY [updated_at], [id];
