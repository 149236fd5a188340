-- User features: click/cart/purchase counts over the 1, 3 and 7 periods before, smoothed purchase and cart rates
-- ((count + alpha * prior) / (clicks + alpha)), distinct items and categories engaged with before, periods since
-- the last engaged period (0: none).
-- Every value sees only periods strictly before the row's own period (lags and frames end at the row before).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
DROP TABLE IF EXISTS user_activity;
CREATE TABLE user_activity AS
SELECT user_id, period,
       CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(carts) AS BIGINT) AS carts, CAST(SUM(favs) AS BIGINT) AS favs, CAST(SUM(purchases) AS BIGINT) AS purchases
FROM interactions
WHERE stage > 0
GROUP BY user_id, period;

-- The first period the user engaged with each item and with each category. 08 and 09 read these tables
-- too (a pair can have a non-zero feature only after it); making them once here saves grouping the
-- interactions twice over.
DROP TABLE IF EXISTS user_item_first_periods;
CREATE TABLE user_item_first_periods AS
SELECT user_id, item_id, MIN(period) AS first_period FROM interactions WHERE stage > 0 GROUP BY user_id, item_id;

DROP TABLE IF EXISTS user_category_first_periods;
CREATE TABLE user_category_first_periods AS
SELECT user_id, category_id, MIN(period) AS first_period FROM interactions WHERE stage > 0 GROUP BY user_id, category_id;

-- New distinct items and categories per period: those first engaged with in it.
DROP TABLE IF EXISTS user_firsts;
CREATE TABLE user_firsts AS
SELECT user_id, period, CAST(SUM(new_item) AS BIGINT) AS new_items, CAST(SUM(new_category) AS BIGINT) AS new_categories
FROM (SELECT user_id, first_period AS period, 1 AS new_item, 0 AS new_category FROM user_item_first_periods
      UNION ALL
      SELECT user_id, first_period AS period, 0 AS new_item, 1 AS new_category FROM user_category_first_periods) f
GROUP BY user_id, period;

-- The counts of the 1, 3 and 7 periods before, from the user's seven grid rows before (one per period it
-- appears in) where their period lies in the window; see 06_item_features.sql.
DROP TABLE IF EXISTS user_windows;
CREATE TABLE user_windows AS
SELECT user_id, period,
       if(p1 >= period - 1, clicks1, 0) AS user_clicks_1p,
       if(p1 >= period - 3, clicks1, 0) + if(p2 >= period - 3, clicks2, 0) + if(p3 >= period - 3, clicks3, 0) AS user_clicks_3p,
       if(p1 >= period - 7, clicks1, 0) + if(p2 >= period - 7, clicks2, 0) + if(p3 >= period - 7, clicks3, 0)
         + if(p4 >= period - 7, clicks4, 0) + if(p5 >= period - 7, clicks5, 0) + if(p6 >= period - 7, clicks6, 0)
         + if(p7 >= period - 7, clicks7, 0) AS user_clicks_7p,
       if(p1 >= period - 1, carts1, 0) AS user_carts_1p,
       if(p1 >= period - 3, carts1, 0) + if(p2 >= period - 3, carts2, 0) + if(p3 >= period - 3, carts3, 0) AS user_carts_3p,
       if(p1 >= period - 7, carts1, 0) + if(p2 >= period - 7, carts2, 0) + if(p3 >= period - 7, carts3, 0)
         + if(p4 >= period - 7, carts4, 0) + if(p5 >= period - 7, carts5, 0) + if(p6 >= period - 7, carts6, 0)
         + if(p7 >= period - 7, carts7, 0) AS user_carts_7p,
       if(p1 >= period - 1, purchases1, 0) AS user_purchases_1p,
       if(p1 >= period - 3, purchases1, 0) + if(p2 >= period - 3, purchases2, 0) + if(p3 >= period - 3, purchases3, 0) AS user_purchases_3p,
       if(p1 >= period - 7, purchases1, 0) + if(p2 >= period - 7, purchases2, 0) + if(p3 >= period - 7, purchases3, 0)
         + if(p4 >= period - 7, purchases4, 0) + if(p5 >= period - 7, purchases5, 0) + if(p6 >= period - 7, purchases6, 0)
         + if(p7 >= period - 7, purchases7, 0) AS user_purchases_7p,
       user_distinct_items,
       user_distinct_categories,
       user_periods_since_last
FROM (
    SELECT user_id, period,
           LAG(period, 1) OVER w AS p1, LAG(period, 2) OVER w AS p2, LAG(period, 3) OVER w AS p3, LAG(period, 4) OVER w AS p4,
           LAG(period, 5) OVER w AS p5, LAG(period, 6) OVER w AS p6, LAG(period, 7) OVER w AS p7, LAG(clicks, 1) OVER w AS clicks1,
           LAG(clicks, 2) OVER w AS clicks2, LAG(clicks, 3) OVER w AS clicks3, LAG(clicks, 4) OVER w AS clicks4, LAG(clicks, 5) OVER w AS clicks5,
           LAG(clicks, 6) OVER w AS clicks6, LAG(clicks, 7) OVER w AS clicks7, LAG(carts, 1) OVER w AS carts1, LAG(carts, 2) OVER w AS carts2,
           LAG(carts, 3) OVER w AS carts3, LAG(carts, 4) OVER w AS carts4, LAG(carts, 5) OVER w AS carts5, LAG(carts, 6) OVER w AS carts6,
           LAG(carts, 7) OVER w AS carts7, LAG(purchases, 1) OVER w AS purchases1, LAG(purchases, 2) OVER w AS purchases2, LAG(purchases, 3) OVER w AS purchases3,
           LAG(purchases, 4) OVER w AS purchases4, LAG(purchases, 5) OVER w AS purchases5, LAG(purchases, 6) OVER w AS purchases6, LAG(purchases, 7) OVER w AS purchases7,
           COALESCE(CAST(SUM(new_items) OVER (PARTITION BY user_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS user_distinct_items,
           COALESCE(CAST(SUM(new_categories) OVER (PARTITION BY user_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS user_distinct_categories,
           COALESCE(period - MAX(active_period) OVER (PARTITION BY user_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_periods_since_last
    FROM (
        SELECT g.user_id, g.period,
               COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
               COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
               CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period,
               COALESCE(f.new_items, 0) AS new_items, COALESCE(f.new_categories, 0) AS new_categories
        FROM (SELECT user_id, period FROM user_activity WHERE period <= ${group_to} UNION SELECT user_id, period FROM samples) g
        LEFT JOIN user_activity a ON a.user_id = g.user_id AND a.period = g.period
        LEFT JOIN user_firsts f ON f.user_id = g.user_id AND f.period = g.period
    ) grid
    WINDOW w AS (PARTITION BY user_id ORDER BY period)
) lags;

DROP TABLE IF EXISTS user_features;
CREATE TABLE user_features AS
SELECT w.user_id,
       w.period,
       CAST(w.user_clicks_1p AS FLOAT) AS user_clicks_1p,
       CAST(w.user_clicks_3p AS FLOAT) AS user_clicks_3p,
       CAST(w.user_clicks_7p AS FLOAT) AS user_clicks_7p,
       CAST(w.user_carts_1p AS FLOAT) AS user_carts_1p,
       CAST(w.user_carts_3p AS FLOAT) AS user_carts_3p,
       CAST(w.user_carts_7p AS FLOAT) AS user_carts_7p,
       CAST(w.user_purchases_1p AS FLOAT) AS user_purchases_1p,
       CAST(w.user_purchases_3p AS FLOAT) AS user_purchases_3p,
       CAST(w.user_purchases_7p AS FLOAT) AS user_purchases_7p,
       CAST(w.user_distinct_items AS FLOAT) AS user_distinct_items,
       CAST(w.user_distinct_categories AS FLOAT) AS user_distinct_categories,
       CAST(w.user_periods_since_last AS FLOAT) AS user_periods_since_last,
       CAST((w.user_purchases_7p + ${alpha} * p.purchase_rate) / (w.user_clicks_7p + ${alpha}) AS FLOAT) AS user_purchase_rate_7p,
       CAST((w.user_carts_7p + ${alpha} * p.cart_rate) / (w.user_clicks_7p + ${alpha}) AS FLOAT) AS user_cart_rate_7p
FROM user_windows w
JOIN global_prior p ON p.period = w.period
WHERE w.period >= ${group_from};
