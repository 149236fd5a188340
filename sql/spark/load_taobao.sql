-- Spark only: load Taobao UserBehavior CSV (no header: user,item,category,behavior,unix_seconds) into
-- raw_parsed; validate.sql turns it into raw_events and rejects. pv → click, buy → purchase.
CREATE OR REPLACE TEMPORARY VIEW raw_lines (c0 STRING, c1 STRING, c2 STRING, c3 STRING, c4 STRING)
USING csv OPTIONS (path '${events}', header 'false', mode 'PERMISSIVE');

DROP TABLE IF EXISTS raw_parsed;
CREATE TABLE raw_parsed AS
SELECT input_file_name() AS file,
       concat_ws(',', c0, c1, c2, c3, c4) AS text,
       CAST(c0 AS BIGINT) AS user_id,
       CAST(c1 AS BIGINT) AS item_id,
       CAST(c2 AS BIGINT) AS category_id,
       CASE c3 WHEN 'pv' THEN 'click' WHEN 'cart' THEN 'cart' WHEN 'fav' THEN 'fav' WHEN 'buy' THEN 'purchase' END AS behavior,
       CAST(c4 AS BIGINT) AS ts
FROM raw_lines;
