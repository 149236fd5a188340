-- Item features: click/cart/purchase counts over the 1, 3 and 7 periods before, smoothed purchase and cart rates,
-- periods since the last period anyone engaged with it (0: none).
-- Every value sees only periods strictly before the row's own period (frames end at 1 PRECEDING).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
DROP TABLE IF EXISTS item_activity;
CREATE TABLE item_activity AS
SELECT item_id, period,
       CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(carts) AS BIGINT) AS carts, CAST(SUM(favs) AS BIGINT) AS favs, CAST(SUM(purchases) AS BIGINT) AS purchases
FROM interactions
WHERE stage > 0
GROUP BY item_id, period;

DROP TABLE IF EXISTS item_windows;
CREATE TABLE item_windows AS
SELECT item_id, period,
       COALESCE(CAST(SUM(clicks) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_clicks_1p,
       COALESCE(CAST(SUM(clicks) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_clicks_3p,
       COALESCE(CAST(SUM(clicks) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_clicks_7p,
       COALESCE(CAST(SUM(carts) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_carts_1p,
       COALESCE(CAST(SUM(carts) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_carts_3p,
       COALESCE(CAST(SUM(carts) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_carts_7p,
       COALESCE(CAST(SUM(purchases) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_purchases_1p,
       COALESCE(CAST(SUM(purchases) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_purchases_3p,
       COALESCE(CAST(SUM(purchases) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS item_purchases_7p,
       COALESCE(period - MAX(active_period) OVER (PARTITION BY item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS item_periods_since_last
FROM (
    SELECT g.item_id, g.period,
           COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
           COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
           CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period
    FROM (SELECT item_id, period FROM item_activity WHERE period <= ${group_to} UNION SELECT item_id, period FROM samples) g
    LEFT JOIN item_activity a ON a.item_id = g.item_id AND a.period = g.period
) grid;

DROP TABLE IF EXISTS item_features;
CREATE TABLE item_features AS
SELECT w.item_id,
       w.period,
       CAST(w.item_clicks_1p AS FLOAT) AS item_clicks_1p,
       CAST(w.item_clicks_3p AS FLOAT) AS item_clicks_3p,
       CAST(w.item_clicks_7p AS FLOAT) AS item_clicks_7p,
       CAST(w.item_carts_1p AS FLOAT) AS item_carts_1p,
       CAST(w.item_carts_3p AS FLOAT) AS item_carts_3p,
       CAST(w.item_carts_7p AS FLOAT) AS item_carts_7p,
       CAST(w.item_purchases_1p AS FLOAT) AS item_purchases_1p,
       CAST(w.item_purchases_3p AS FLOAT) AS item_purchases_3p,
       CAST(w.item_purchases_7p AS FLOAT) AS item_purchases_7p,
       CAST(w.item_periods_since_last AS FLOAT) AS item_periods_since_last,
       CAST((w.item_purchases_7p + ${alpha} * p.purchase_rate) / (w.item_clicks_7p + ${alpha}) AS FLOAT) AS item_purchase_rate_7p,
       CAST((w.item_carts_7p + ${alpha} * p.cart_rate) / (w.item_clicks_7p + ${alpha}) AS FLOAT) AS item_cart_rate_7p
FROM item_windows w
JOIN global_prior p ON p.period = w.period
WHERE w.period >= ${group_from};
