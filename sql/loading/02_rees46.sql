-- Portable: REES46 rows (event_time 'yyyy-MM-dd HH:mm:ss UTC', event_type, product_id, category_id,
-- category_code, brand, price, user_id, user_session; Rees46Source.cs): view → click; remove_from_cart kept
-- as its own behaviour; a trailing ' UTC' is read as Z. The C# parser checks the time before the ids.
DROP TABLE IF EXISTS raw_mapped;
CREATE TABLE raw_mapped AS
SELECT file, text, shape,
       CASE t1 WHEN 'view' THEN 'click' WHEN 'cart' THEN 'cart' WHEN 'purchase' THEN 'purchase'
               WHEN 'remove_from_cart' THEN 'remove_from_cart' END AS behavior,
       t7 AS user_text, t2 AS item_text, t3 AS category_text,
       CASE WHEN t0 LIKE '% UTC' THEN concat(substr(t0, 1, length(t0) - 4), 'Z') ELSE t0 END AS time_text,
       'iso_or_unix' AS time_kind, TRUE AS time_checked_first
FROM raw_fields;
