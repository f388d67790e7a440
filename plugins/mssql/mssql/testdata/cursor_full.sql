-- datetime2(7) {"incremental_column":"updated_at"}
SELECT * FROM [dbo].[events] ORDER BY [updated_at], [id];
