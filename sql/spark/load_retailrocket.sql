-- Spark only: load RetailRocket events.csv (timestamp in ms, visitorid, event, itemid, transactionid) into
-- raw_parsed. view → click, addtocart → cart, transaction → purchase; no category (0).
CREATE OR REPLACE TEMPORARY VIEW raw_lines (c0 STRING, c1 STRING, c2 STRING, c3 STRING, c4 STRING)
USING csv OPTIONS (path '${events}', header 'true', mode 'PERMISSIVE');

DROP TABLE IF EXISTS raw_parsed;
CREATE TABLE raw_parsed AS
SELECT input_file_name() AS file,
       concat_ws(',', c0, c1, c2, c3, c4) AS text,
       CAST(c1 AS BIGINT) AS user_id,
       CAST(c3 AS BIGINT) AS item_id,
       CAST(0 AS BIGINT) AS category_id,
       CASE c2 WHEN 'view' THEN 'click' WHEN 'addtocart' THEN 'cart' WHEN 'transaction' THEN 'purchase' END AS behavior,
       CAST(FLOOR(CAST(c0 AS BIGINT) / 1000) AS BIGINT) AS ts
FROM raw_lines;
