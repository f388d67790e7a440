SELECT * FROM (SELECT id, note FROM shop.orders WHERE note IS NOT NULL) AS dpone_src
