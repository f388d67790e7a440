-- date {"incremental_column":"updated_at","initial_value":"2024-01-01"}
SELECT * FROM [dbo].[events] WHERE ([updated_at] IS NULL OR ([updated_at] >= CAST(N'2024-01-01' AS date))) ORDER BY [updated_at], [id];
