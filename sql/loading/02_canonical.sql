-- Portable: canonical rows (user_id,item_id,category_id,behavior,ts with ts ISO 8601 or Unix seconds;
-- CanonicalSource.cs). The C# parser checks the ids before the time.
DROP TABLE IF EXISTS raw_mapped;
CREATE TABLE raw_mapped AS
SELECT file, text, shape,
       CASE WHEN t3 IN ('impression', 'click', 'cart', 'fav', 'purchase') THEN t3 END AS behavior,
       t0 AS user_text, t1 AS item_text, t2 AS category_text, t4 AS time_text, 'iso_or_unix' AS time_kind, FALSE AS time_checked_first
FROM raw_fields;
