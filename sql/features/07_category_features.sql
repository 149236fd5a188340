-- Category features: click/cart/purchase counts over the 1, 3 and 7 periods before, smoothed purchase rate,
-- periods since the last engaged period (0: none).
-- Every value sees only periods strictly before the row's own period (lags and frames end at the row before).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
DROP TABLE IF EXISTS category_activity;
CREATE TABLE category_activity AS
SELECT category_id, period,
       CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(carts) AS BIGINT) AS carts, CAST(SUM(favs) AS BIGINT) AS favs, CAST(SUM(purchases) AS BIGINT) AS purchases
FROM interactions
WHERE stage > 0
GROUP BY category_id, period;

-- The counts of the 1, 3 and 7 periods before, from the category's seven grid rows before (one per period it
-- appears in) where their period lies in the window; see 06_item_features.sql.
DROP TABLE IF EXISTS category_windows;
CREATE TABLE category_windows AS
SELECT category_id, period,
       if(p1 >= period - 1, clicks1, 0) AS category_clicks_1p,
       if(p1 >= period - 3, clicks1, 0) + if(p2 >= period - 3, clicks2, 0) + if(p3 >= period - 3, clicks3, 0) AS category_clicks_3p,
       if(p1 >= period - 7, clicks1, 0) + if(p2 >= period - 7, clicks2, 0) + if(p3 >= period - 7, clicks3, 0)
         + if(p4 >= period - 7, clicks4, 0) + if(p5 >= period - 7, clicks5, 0) + if(p6 >= period - 7, clicks6, 0)
         + if(p7 >= period - 7, clicks7, 0) AS category_clicks_7p,
       if(p1 >= period - 1, carts1, 0) AS category_carts_1p,
       if(p1 >= period - 3, carts1, 0) + if(p2 >= period - 3, carts2, 0) + if(p3 >= period - 3, carts3, 0) AS category_carts_3p,
       if(p1 >= period - 7, carts1, 0) + if(p2 >= period - 7, carts2, 0) + if(p3 >= period - 7, carts3, 0)
         + if(p4 >= period - 7, carts4, 0) + if(p5 >= period - 7, carts5, 0) + if(p6 >= period - 7, carts6, 0)
         + if(p7 >= period - 7, carts7, 0) AS category_carts_7p,
       if(p1 >= period - 1, purchases1, 0) AS category_purchases_1p,
       if(p1 >= period - 3, purchases1, 0) + if(p2 >= period - 3, purchases2, 0) + if(p3 >= period - 3, purchases3, 0) AS category_purchases_3p,
       if(p1 >= period - 7, purchases1, 0) + if(p2 >= period - 7, purchases2, 0) + if(p3 >= period - 7, purchases3, 0)
         + if(p4 >= period - 7, purchases4, 0) + if(p5 >= period - 7, purchases5, 0) + if(p6 >= period - 7, purchases6, 0)
         + if(p7 >= period - 7, purchases7, 0) AS category_purchases_7p,
       category_periods_since_last
FROM (
    SELECT category_id, period,
           LAG(period, 1) OVER w AS p1, LAG(period, 2) OVER w AS p2, LAG(period, 3) OVER w AS p3, LAG(period, 4) OVER w AS p4,
           LAG(period, 5) OVER w AS p5, LAG(period, 6) OVER w AS p6, LAG(period, 7) OVER w AS p7, LAG(clicks, 1) OVER w AS clicks1,
           LAG(clicks, 2) OVER w AS clicks2, LAG(clicks, 3) OVER w AS clicks3, LAG(clicks, 4) OVER w AS clicks4, LAG(clicks, 5) OVER w AS clicks5,
           LAG(clicks, 6) OVER w AS clicks6, LAG(clicks, 7) OVER w AS clicks7, LAG(carts, 1) OVER w AS carts1, LAG(carts, 2) OVER w AS carts2,
           LAG(carts, 3) OVER w AS carts3, LAG(carts, 4) OVER w AS carts4, LAG(carts, 5) OVER w AS carts5, LAG(carts, 6) OVER w AS carts6,
           LAG(carts, 7) OVER w AS carts7, LAG(purchases, 1) OVER w AS purchases1, LAG(purchases, 2) OVER w AS purchases2, LAG(purchases, 3) OVER w AS purchases3,
           LAG(purchases, 4) OVER w AS purchases4, LAG(purchases, 5) OVER w AS purchases5, LAG(purchases, 6) OVER w AS purchases6, LAG(purchases, 7) OVER w AS purchases7,
           COALESCE(period - MAX(active_period) OVER (PARTITION BY category_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS category_periods_since_last
    FROM (
        SELECT g.category_id, g.period,
               COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
               COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
               CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period
        FROM (SELECT category_id, period FROM category_activity WHERE period <= ${group_to} UNION SELECT category_id, period FROM samples) g
        LEFT JOIN category_activity a ON a.category_id = g.category_id AND a.period = g.period
    ) grid
    WINDOW w AS (PARTITION BY category_id ORDER BY period)
) lags;

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
