-- Spark only: load REES46 CSV (event_time 'yyyy-MM-dd HH:mm:ss UTC', event_type, product_id, category_id, …,
-- user_id, user_session) into raw_parsed. view → click; remove_from_cart kept as its own behaviour.
-- spark-submit.sh sets spark.sql.session.timeZone=UTC, so unix_timestamp reads the times as UTC.
CREATE OR REPLACE TEMPORARY VIEW raw_lines (c0 STRING, c1 STRING, c2 STRING, c3 STRING, c4 STRING,
                                            c5 STRING, c6 STRING, c7 STRING, c8 STRING)
USING csv OPTIONS (path '${events}', header 'true', mode 'PERMISSIVE');

DROP TABLE IF EXISTS raw_parsed;
CREATE TABLE raw_parsed AS
SELECT input_file_name() AS file,
       concat_ws(',', c0, c1, c2, c3, c4, c5, c6, c7, c8) AS text,
       CAST(c7 AS BIGINT) AS user_id,
       CAST(c2 AS BIGINT) AS item_id,
       CAST(c3 AS BIGINT) AS category_id,
       CASE c1 WHEN 'view' THEN 'click' WHEN 'cart' THEN 'cart' WHEN 'purchase' THEN 'purchase'
               WHEN 'remove_from_cart' THEN 'remove_from_cart' END AS behavior,
       unix_timestamp(regexp_replace(c0, ' UTC$', ''), 'yyyy-MM-dd HH:mm:ss') AS ts
FROM raw_lines;
