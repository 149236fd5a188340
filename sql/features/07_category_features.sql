-- Category features: click/cart/purchase counts over the 1, 3 and 7 periods before, smoothed purchase rate,
-- periods since the last engaged period (0: none).
-- Every value sees only periods strictly before the row's own period (frames end at 1 PRECEDING).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
DROP TABLE IF EXISTS category_activity;
CREATE TABLE category_activity AS
SELECT category_id, period,
       CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(carts) AS BIGINT) AS carts, CAST(SUM(favs) AS BIGINT) AS favs, CAST(SUM(purchases) AS BIGINT) AS purchases
FROM interactions
WHERE stage > 0
GROUP BY category_id, period;

DROP TABLE IF EXISTS category_windows;
CREATE TABLE category_windows AS
SELECT category_id, period,
       COALESCE(CAST(SUM(clicks) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_clicks_1p,
       COALESCE(CAST(SUM(clicks) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_clicks_3p,
       COALESCE(CAST(SUM(clicks) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_clicks_7p,
       COALESCE(CAST(SUM(carts) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_carts_1p,
       COALESCE(CAST(SUM(carts) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_carts_3p,
       COALESCE(CAST(SUM(carts) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_carts_7p,
       COALESCE(CAST(SUM(purchases) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_purchases_1p,
       COALESCE(CAST(SUM(purchases) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_purchases_3p,
       COALESCE(CAST(SUM(purchases) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS category_purchases_7p,
       COALESCE(period - MAX(active_period) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS category_periods_since_last
FROM (
    SELECT g.category_id, g.period,
           COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
           COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
           CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period
    FROM (SELECT category_id, period FROM category_activity WHERE period <= ${group_to} UNION SELECT category_id, period FROM samples) g
    LEFT JOIN category_activity a ON a.category_id = g.category_id AND a.period = g.period
) grid;

DROP TABLE IF EXISTS category_features;
CREATE TABLE category_features AS
SELECT w.category_id,
       w.period,
       CAST(w.category_clicks_1p AS FLOAT) AS category_clicks_1p,
       CAST(w.category_clicks_3p AS FLOAT) AS category_clicks_3p,
       CAST(w.category_clicks_7p AS FLOAT) AS category_clicks_7p,
       CAST(w.category_carts_1p AS FLOAT) AS category_carts_1p,
       CAST(w.category_carts_3p AS FLOAT) AS category_carts_3p,
       CAST(w.category_carts_7p AS FLOAT) AS category_carts_7p,
       CAST(w.category_purchases_1p AS FLOAT) AS category_purchases_1p,
       CAST(w.category_purchases_3p AS FLOAT) AS category_purchases_3p,
       CAST(w.category_purchases_7p AS FLOAT) AS category_purchases_7p,
       CAST(w.category_periods_since_last AS FLOAT) AS category_periods_since_last,
       CAST((w.category_purchases_7p + ${alpha} * p.purchase_rate) / (w.category_clicks_7p + ${alpha}) AS FLOAT) AS category_purchase_rate_7p
FROM category_windows w
JOIN global_prior p ON p.period = w.period
WHERE w.period >= ${group_from};
