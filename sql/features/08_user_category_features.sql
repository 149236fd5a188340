-- User x category features: the user's click/cart/purchase counts in this category over the 1, 3 and 7 periods
-- before, periods since the user last engaged with the category (0: never).
-- Every value sees only periods strictly before the row's own period (frames end at 1 PRECEDING).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
DROP TABLE IF EXISTS user_category_activity;
CREATE TABLE user_category_activity AS
SELECT user_id, category_id, period,
       CAST(SUM(clicks) AS BIGINT) AS clicks, CAST(SUM(carts) AS BIGINT) AS carts, CAST(SUM(favs) AS BIGINT) AS favs, CAST(SUM(purchases) AS BIGINT) AS purchases
FROM interactions
WHERE stage > 0
GROUP BY user_id, category_id, period;

DROP TABLE IF EXISTS user_category_first_periods;
CREATE TABLE user_category_first_periods AS
SELECT user_id, category_id, MIN(period) AS first_period FROM user_category_activity GROUP BY user_id, category_id;

-- Only samples whose pair was engaged with in an earlier period can have a non-zero feature; the
-- dataset fills the others with zeros. This keeps the window over pairs, not over every sample.
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

DROP TABLE IF EXISTS user_category_features;
CREATE TABLE user_category_features AS
SELECT * FROM (
SELECT user_id, category_id, period,
       CAST(COALESCE(CAST(SUM(clicks) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_clicks_1p,
       CAST(COALESCE(CAST(SUM(clicks) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_clicks_3p,
       CAST(COALESCE(CAST(SUM(clicks) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_clicks_7p,
       CAST(COALESCE(CAST(SUM(carts) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_carts_1p,
       CAST(COALESCE(CAST(SUM(carts) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_carts_3p,
       CAST(COALESCE(CAST(SUM(carts) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_carts_7p,
       CAST(COALESCE(CAST(SUM(purchases) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 1 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_purchases_1p,
       CAST(COALESCE(CAST(SUM(purchases) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 3 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_purchases_3p,
       CAST(COALESCE(CAST(SUM(purchases) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN 7 PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_category_purchases_7p,
       CAST(COALESCE(period - MAX(active_period) OVER (PARTITION BY user_id, category_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS FLOAT) AS user_category_periods_since_last
FROM (
    SELECT g.user_id, g.category_id, g.period,
           COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
           COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
           CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period
    FROM (SELECT user_id, category_id, period FROM user_category_pass_activity UNION SELECT user_id, category_id, period FROM user_category_sample_keys) g
    LEFT JOIN user_category_pass_activity a ON a.user_id = g.user_id AND a.category_id = g.category_id AND a.period = g.period
) grid
) w
WHERE period >= ${group_from};
