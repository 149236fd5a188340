-- User x category features: the user's click/cart/purchase counts in this category over the 1, 3 and 7 periods
-- before, periods since the user last engaged with the category (0: never).
-- Every value sees only periods strictly before the row's own period (lags and frames end at the row before).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
DROP TABLE IF EXISTS user_category_activity;
CREATE TABLE user_category_activity AS
SELECT user_id, category_id, period,
       CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(carts) AS BIGINT) AS carts, CAST(SUM(favs) AS BIGINT) AS favs, CAST(SUM(purchases) AS BIGINT) AS purchases
FROM interactions
WHERE stage > 0
GROUP BY user_id, category_id, period;

-- Only samples whose pair was engaged with in an earlier period can have a non-zero feature; the
-- dataset fills the others with zeros. This keeps the window over pairs, not over every sample.
-- user_category_first_periods is made in 05_user_features.sql.
DROP TABLE IF EXISTS user_category_sample_keys;
CREATE TABLE user_category_sample_keys AS
SELECT DISTINCT s.user_id, s.category_id, s.period
FROM samples s
JOIN user_category_first_periods f
  ON f.user_id = s.user_id AND f.category_id = s.category_id AND s.period > f.first_period;

-- The activity those pairs' windows read: their whole history up to the pass's last period (a window is
-- over one pair, so the other pairs' rows change nothing).
DROP TABLE IF EXISTS user_category_pass_activity;
CREATE TABLE user_category_pass_activity AS
SELECT a.*
FROM user_category_activity a
JOIN (SELECT DISTINCT user_id, category_id FROM user_category_sample_keys) k ON k.user_id = a.user_id AND k.category_id = a.category_id
WHERE a.period <= ${group_to};

-- The counts of the 1, 3 and 7 periods before, from the (user, category) pair's seven grid rows before (one per period it
-- appears in) where their period lies in the window; see 06_item_features.sql.
DROP TABLE IF EXISTS user_category_features;
CREATE TABLE user_category_features AS
SELECT * FROM (
SELECT user_id, category_id, period,
       CAST(if(p1 >= period - 1, clicks1, 0) AS FLOAT) AS user_category_clicks_1p,
       CAST(if(p1 >= period - 3, clicks1, 0) + if(p2 >= period - 3, clicks2, 0) + if(p3 >= period - 3, clicks3, 0) AS FLOAT) AS user_category_clicks_3p,
       CAST(if(p1 >= period - 7, clicks1, 0) + if(p2 >= period - 7, clicks2, 0) + if(p3 >= period - 7, clicks3, 0)
         + if(p4 >= period - 7, clicks4, 0) + if(p5 >= period - 7, clicks5, 0) + if(p6 >= period - 7, clicks6, 0)
         + if(p7 >= period - 7, clicks7, 0) AS FLOAT) AS user_category_clicks_7p,
       CAST(if(p1 >= period - 1, carts1, 0) AS FLOAT) AS user_category_carts_1p,
       CAST(if(p1 >= period - 3, carts1, 0) + if(p2 >= period - 3, carts2, 0) + if(p3 >= period - 3, carts3, 0) AS FLOAT) AS user_category_carts_3p,
       CAST(if(p1 >= period - 7, carts1, 0) + if(p2 >= period - 7, carts2, 0) + if(p3 >= period - 7, carts3, 0)
         + if(p4 >= period - 7, carts4, 0) + if(p5 >= period - 7, carts5, 0) + if(p6 >= period - 7, carts6, 0)
         + if(p7 >= period - 7, carts7, 0) AS FLOAT) AS user_category_carts_7p,
       CAST(if(p1 >= period - 1, purchases1, 0) AS FLOAT) AS user_category_purchases_1p,
       CAST(if(p1 >= period - 3, purchases1, 0) + if(p2 >= period - 3, purchases2, 0) + if(p3 >= period - 3, purchases3, 0) AS FLOAT) AS user_category_purchases_3p,
       CAST(if(p1 >= period - 7, purchases1, 0) + if(p2 >= period - 7, purchases2, 0) + if(p3 >= period - 7, purchases3, 0)
         + if(p4 >= period - 7, purchases4, 0) + if(p5 >= period - 7, purchases5, 0) + if(p6 >= period - 7, purchases6, 0)
         + if(p7 >= period - 7, purchases7, 0) AS FLOAT) AS user_category_purchases_7p,
       CAST(user_category_periods_since_last AS FLOAT) AS user_category_periods_since_last
FROM (
    SELECT user_id, category_id, period,
           LAG(period, 1) OVER w AS p1, LAG(period, 2) OVER w AS p2, LAG(period, 3) OVER w AS p3, LAG(period, 4) OVER w AS p4,
           LAG(period, 5) OVER w AS p5, LAG(period, 6) OVER w AS p6, LAG(period, 7) OVER w AS p7, LAG(clicks, 1) OVER w AS clicks1,
           LAG(clicks, 2) OVER w AS clicks2, LAG(clicks, 3) OVER w AS clicks3, LAG(clicks, 4) OVER w AS clicks4, LAG(clicks, 5) OVER w AS clicks5,
           LAG(clicks, 6) OVER w AS clicks6, LAG(clicks, 7) OVER w AS clicks7, LAG(carts, 1) OVER w AS carts1, LAG(carts, 2) OVER w AS carts2,
           LAG(carts, 3) OVER w AS carts3, LAG(carts, 4) OVER w AS carts4, LAG(carts, 5) OVER w AS carts5, LAG(carts, 6) OVER w AS carts6,
           LAG(carts, 7) OVER w AS carts7, LAG(purchases, 1) OVER w AS purchases1, LAG(purchases, 2) OVER w AS purchases2, LAG(purchases, 3) OVER w AS purchases3,
           LAG(purchases, 4) OVER w AS purchases4, LAG(purchases, 5) OVER w AS purchases5, LAG(purchases, 6) OVER w AS purchases6, LAG(purchases, 7) OVER w AS purchases7,
           COALESCE(period - MAX(active_period) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_category_periods_since_last
    FROM (
        SELECT g.user_id, g.category_id, g.period,
               COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
               COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
               CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period
        FROM (SELECT user_id, category_id, period FROM user_category_pass_activity UNION SELECT user_id, category_id, period FROM user_category_sample_keys) g
        LEFT JOIN user_category_pass_activity a ON a.user_id = g.user_id AND a.category_id = g.category_id AND a.period = g.period
    ) grid
    WINDOW w AS (PARTITION BY user_id, category_id ORDER BY period)
) lags
) w
WHERE period >= ${group_from};
