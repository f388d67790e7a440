-- datetime2(7) {"incremental_column":"updated_at","null_policy":"skip"}
SELECT * FROM [dbo].[events] WHERE [updated_at] IS NOT NULL ORDER BY [updated_at], [id];
