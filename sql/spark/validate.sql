-- Spark only: the C# reader's checks (sources and EventIngestor) in SQL, with the same reason codes.
-- Spark cannot tell a row's line number; rejects carry the file and the row's text instead.
DROP TABLE IF EXISTS raw_checked;
CREATE TABLE raw_checked AS
SELECT file, text, user_id, item_id, category_id, behavior, ts,
       CASE
         WHEN behavior IS NULL THEN 'unknown_behavior'
         WHEN user_id IS NULL OR item_id IS NULL OR category_id IS NULL
              OR user_id < 0 OR item_id < 0 OR category_id < 0 THEN 'bad_id'
         WHEN ts IS NULL THEN 'bad_timestamp'
         WHEN ts < 946684800 OR ts > ${run_start} THEN 'timestamp_out_of_range'
         WHEN ts < ${from_ts} OR ts >= ${to_ts} THEN 'outside_window'
       END AS reason
FROM raw_parsed;

DROP TABLE IF EXISTS raw_events;
CREATE TABLE raw_events AS
SELECT user_id, item_id, category_id, behavior, ts FROM raw_checked WHERE reason IS NULL;

DROP TABLE IF EXISTS rejects;
CREATE TABLE rejects AS
SELECT file, reason, text FROM raw_checked WHERE reason IS NOT NULL;

-- A Spark job is a full build: no interactions of earlier periods are carried in (mtlds features --append
-- carries them on DuckDB), so sql/features/02 adds none.
CREATE OR REPLACE TEMPORARY VIEW prior_interactions AS
SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS BIGINT) AS period,
       CAST(NULL AS BIGINT) AS category_id, CAST(NULL AS INT) AS stage, CAST(NULL AS BIGINT) AS impressions,
       CAST(NULL AS BIGINT) AS clicks, CAST(NULL AS BIGINT) AS carts, CAST(NULL AS BIGINT) AS favs,
       CAST(NULL AS BIGINT) AS purchases
WHERE 1 = 0;
