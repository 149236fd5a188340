-- User x item features: the user's earlier clicks, carts, favs and purchases of this very item (all periods
-- before), periods since the user last engaged with it (0: never).
-- Every value sees only periods strictly before the row's own period (frames end at 1 PRECEDING).
-- Activity is engaged interactions only (impressions feed no feature), which keeps the tables small.
-- Interactions are one row per (user, item, period) already: no grouping needed, and no copy of them either
-- (at 100M events a copy was 4 GB more for DuckDB to hold).

-- Only samples whose pair was engaged with in an earlier period can have a non-zero feature; the
-- dataset fills the others with zeros. This keeps the window over pairs, not over every sample. Samples are
-- one per (user, item, period) (negatives skip engaged items and repeat none), so no DISTINCT.
-- user_item_first_periods is made in 05_user_features.sql.
DROP TABLE IF EXISTS user_item_sample_keys;
CREATE TABLE user_item_sample_keys AS
SELECT s.user_id, s.item_id, s.period
FROM samples s
JOIN user_item_first_periods f
  ON f.user_id = s.user_id AND f.item_id = s.item_id AND s.period > f.first_period;

-- The activity those pairs' windows read: their whole history up to the pass's last period (a window is
-- over one pair, so the other pairs' rows change nothing).
DROP TABLE IF EXISTS user_item_pass_activity;
CREATE TABLE user_item_pass_activity AS
SELECT a.user_id, a.item_id, a.period, a.clicks, a.carts, a.favs, a.purchases
FROM interactions a
JOIN (SELECT DISTINCT user_id, item_id FROM user_item_sample_keys) k ON k.user_id = a.user_id AND k.item_id = a.item_id
WHERE a.stage > 0 AND a.period <= ${group_to};

DROP TABLE IF EXISTS user_item_features;
CREATE TABLE user_item_features AS
SELECT * FROM (
SELECT user_id, item_id, period,
       CAST(COALESCE(CAST(SUM(clicks) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_item_clicks_before,
       CAST(COALESCE(CAST(SUM(carts) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_item_carts_before,
       CAST(COALESCE(CAST(SUM(favs) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_item_favs_before,
       CAST(COALESCE(CAST(SUM(purchases) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS BIGINT), 0) AS FLOAT) AS user_item_purchases_before,
       CAST(COALESCE(period - MAX(active_period) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS FLOAT) AS user_item_periods_since_last
FROM (
    SELECT g.user_id, g.item_id, g.period,
           COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
           COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
           CASE WHEN a.period IS NOT NULL THEN g.period END AS active_period
    FROM (SELECT user_id, item_id, period FROM user_item_pass_activity UNION SELECT user_id, item_id, period FROM user_item_sample_keys) g
    LEFT JOIN user_item_pass_activity a ON a.user_id = g.user_id AND a.item_id = g.item_id AND a.period = g.period
) grid
) w
WHERE period >= ${group_from};
