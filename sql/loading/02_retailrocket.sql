-- Portable: RetailRocket events.csv rows (timestamp in ms, visitorid, event, itemid, transactionid;
-- RetailrocketSource.cs): view → click, addtocart → cart, transaction → purchase; no category (0).
-- The C# parser checks the time before the ids.
DROP TABLE IF EXISTS raw_mapped;
CREATE TABLE raw_mapped AS
SELECT file, text, shape,
       CASE t2 WHEN 'view' THEN 'click' WHEN 'addtocart' THEN 'cart' WHEN 'transaction' THEN 'purchase' END AS behavior,
       t1 AS user_text, t3 AS item_text, '0' AS category_text, t0 AS time_text, 'ms' AS time_kind, TRUE AS time_checked_first
FROM raw_fields;
