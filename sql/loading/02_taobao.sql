-- Portable: Taobao UserBehavior rows (no header: user,item,category,behavior,unix_seconds; TaobaoSource.cs):
-- pv → click, buy → purchase. The C# parser checks the ids before the time.
DROP TABLE IF EXISTS raw_mapped;
CREATE TABLE raw_mapped AS
SELECT file, text, shape,
       CASE t3 WHEN 'pv' THEN 'click' WHEN 'cart' THEN 'cart' WHEN 'fav' THEN 'fav' WHEN 'buy' THEN 'purchase' END AS behavior,
       t0 AS user_text, t1 AS item_text, t2 AS category_text, t4 AS time_text, 'unix' AS time_kind, FALSE AS time_checked_first
FROM raw_fields;
