-- Spark only: load canonical CSV (user_id,item_id,category_id,behavior,ts; ts Unix seconds or ISO 8601 UTC)
-- into raw_parsed.
CREATE OR REPLACE TEMPORARY VIEW raw_lines (c0 STRING, c1 STRING, c2 STRING, c3 STRING, c4 STRING)
USING csv OPTIONS (path '${events}', header 'true', mode 'PERMISSIVE');

DROP TABLE IF EXISTS raw_parsed;
CREATE TABLE raw_parsed AS
SELECT input_file_name() AS file,
       concat_ws(',', c0, c1, c2, c3, c4) AS text,
       CAST(c0 AS BIGINT) AS user_id,
       CAST(c1 AS BIGINT) AS item_id,
       CAST(c2 AS BIGINT) AS category_id,
       CASE WHEN c3 IN ('impression', 'click', 'cart', 'fav', 'purchase') THEN c3 END AS behavior,
       CASE WHEN c4 RLIKE '^-?[0-9]+$' THEN CAST(c4 AS BIGINT) ELSE CAST(CAST(c4 AS TIMESTAMP) AS BIGINT) END AS ts
FROM raw_lines;
