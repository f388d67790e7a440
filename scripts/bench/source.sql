-- bench_src: the benchmark table of issue 6, generated deterministically
-- (hashes of the row number, no random()). Every nullable column is NULL in
-- about 5% of the rows, each column in different rows.
-- psql -v rows=5000000 -f scripts/bench/source.sql
DROP TABLE IF EXISTS bench_src;
CREATE TABLE bench_src (
  id         bigint PRIMARY KEY,
  qty        int,
  price      numeric(18,4),
  title      text,
  code       varchar(32),
  active     boolean,
  created_at timestamptz,
  day        date,
  attrs      jsonb,
  ref        uuid
);
INSERT INTO bench_src
SELECT g,
  CASE WHEN (h >> 1) % 20 = 0 THEN NULL ELSE (h % 100000)::int END,
  CASE WHEN (h >> 3) % 20 = 0 THEN NULL ELSE ((h2 % 10000000000) - 2000000000)::numeric / 10000 END,
  CASE WHEN (h >> 5) % 20 = 0 THEN NULL ELSE substr(m || reverse(m), 1, 20 + (h2 % 41)::int) END,
  CASE WHEN (h >> 7) % 20 = 0 THEN NULL ELSE 'SKU-' || upper(substr(m, 1, 4 + (h % 20)::int)) END,
  CASE WHEN (h >> 9) % 20 = 0 THEN NULL ELSE (h2 % 3) <> 0 END,
  CASE WHEN (h >> 11) % 20 = 0 THEN NULL ELSE timestamptz '2020-01-01 00:00:00+00' + (h2 % 189216000000) * interval '1 millisecond' END,
  CASE WHEN (h >> 13) % 20 = 0 THEN NULL ELSE date '2020-01-01' + (h % 2190)::int END,
  CASE WHEN (h >> 15) % 20 = 0 THEN NULL ELSE jsonb_build_object('color', (ARRAY['red','green','blue','black'])[1 + (h % 4)::int], 'size', (h2 % 50)::int, 'ok', (h % 2) = 0) END,
  CASE WHEN (h >> 17) % 20 = 0 THEN NULL ELSE md5(m)::uuid END
FROM (
  SELECT g,
         (hashint8(g)::bigint + 2147483648) AS h,
         (hashint8(-g)::bigint + 2147483648) * 65536 + (hashint8(g + 1000000000000)::bigint & 65535) AS h2,
         md5(g::text) AS m
  FROM generate_series(1, :rows) AS g
) AS s;
ANALYZE bench_src;
