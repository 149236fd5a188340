-- User x item features: the user's earlier clicks, carts, favs and purchases of this very item (all periods
-- before), periods since the user last engaged with it (0: never).
-- Every value sees only periods strictly before the row's own period (frames end at 1 PRECEDING).
DROP TABLE IF EXISTS user_item_activity;
CREATE TABLE user_item_activity AS
SELECT user_id, item_id, period,
       SUM(clicks) AS clicks, SUM(carts) AS carts, SUM(favs) AS favs, SUM(purchases) AS purchases,
       SUM(CASE WHEN stage > 0 THEN 1 ELSE 0 END) AS engaged
FROM interactions
GROUP BY user_id, item_id, period;

DROP TABLE IF EXISTS user_item_windows;
CREATE TABLE user_item_windows AS
SELECT user_id, item_id, period,
       COALESCE(SUM(clicks) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_item_clicks_before,
       COALESCE(SUM(carts) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_item_carts_before,
       COALESCE(SUM(favs) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_item_favs_before,
       COALESCE(SUM(purchases) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_item_purchases_before,
       COALESCE(period - MAX(active_period) OVER (PARTITION BY user_id, item_id ORDER BY period RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS user_item_periods_since_last
FROM (
    SELECT g.user_id, g.item_id, g.period,
           COALESCE(a.clicks, 0) AS clicks, COALESCE(a.carts, 0) AS carts,
           COALESCE(a.favs, 0) AS favs, COALESCE(a.purchases, 0) AS purchases,
           CASE WHEN a.engaged > 0 THEN g.period END AS active_period
    FROM (SELECT user_id, item_id, period FROM user_item_activity UNION SELECT user_id, item_id, period FROM samples) g
    LEFT JOIN user_item_activity a ON a.user_id = g.user_id AND a.item_id = g.item_id AND a.period = g.period
) grid;

DROP TABLE IF EXISTS user_item_features;
CREATE TABLE user_item_features AS
SELECT w.*
FROM user_item_windows w;
