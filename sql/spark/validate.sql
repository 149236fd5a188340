-- Spark only: stop the job where the C# reader stops the build, with its words: a file it refuses whole
-- (sql/loading/04_checks.sql lists them), no row accepted at all (no empty splits), or a log that
-- contradicts what the job was told of its impressions (--impressions). DuckDB reads the latter from the data
-- and draws no negatives for a log with impressions; mtlds cannot read the cluster's files, so the caller
-- says it (only the canonical format can have impressions) and the job checks it.
SELECT raise_error(concat(file, ': ', problem)) FROM file_problems LIMIT 1;

SELECT raise_error(concat('${events}: none of the ', CAST(n AS STRING), ' rows was accepted (reasons: ', reasons, ')'))
FROM (SELECT (SELECT COUNT(*) FROM raw_parsed) AS n, (SELECT COUNT(*) FROM raw_events) AS accepted,
             (SELECT concat_ws(', ', collect_list(concat(reason, ' ', CAST(k AS STRING))))
              FROM (SELECT reason, COUNT(*) AS k FROM rejects GROUP BY reason) r) AS reasons) c
WHERE accepted = 0;

SELECT raise_error(concat('${events}: the log ', CASE WHEN n > 0 THEN 'has' ELSE 'has no' END,
                          ' impressions; run mtlds features --engine spark with --impressions ',
                          CASE WHEN n > 0 THEN 'yes' ELSE 'no' END))
FROM (SELECT COUNT(*) AS n FROM raw_events WHERE behavior = 'impression') c
WHERE (n > 0) <> ${has_impressions};

-- A Spark job is a full build: no interactions of earlier periods are carried in (mtlds features --append
-- carries them on DuckDB), so sql/features/02 adds none.
CREATE OR REPLACE TEMPORARY VIEW prior_interactions AS
SELECT CAST(NULL AS BIGINT) AS user_id, CAST(NULL AS BIGINT) AS item_id, CAST(NULL AS BIGINT) AS period,
       CAST(NULL AS BIGINT) AS category_id, CAST(NULL AS INT) AS stage, CAST(NULL AS BIGINT) AS impressions,
       CAST(NULL AS BIGINT) AS clicks, CAST(NULL AS BIGINT) AS carts, CAST(NULL AS BIGINT) AS favs,
       CAST(NULL AS BIGINT) AS purchases
WHERE 1 = 0;
