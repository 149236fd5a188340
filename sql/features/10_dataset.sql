-- The dataset: samples, labels and point-in-time features, one row per (user, item, period).
-- Labels are monotone by construction: y_click = stage >= 1, y_cart = stage >= 2, y_purchase = stage = 3.
-- Numeric features are 4-byte FLOAT on every engine (the model computes in float32); a pair feature missing
-- from its table (no earlier engagement) is 0. Their definitions are in manifest.json. The feature tables
-- hold FLOAT already (cast once per table row, not once per sample: 7 % of each period file's CPU at 10M
-- events), so the casts here only type the zeros.
-- The user, item and category tables have a row for every sample's key (05-07 put the samples' keys in their
-- grids), so their columns are taken as they are: a COALESCE on each of them cost 8-10 % of writing the
-- periods at 10M events and replaced nothing. Should a table ever miss a key, the NULLs it leaves fail the
-- build, naming the feature and the period (FeatureBuilder.Summarise), rather than become zeros unseen.
-- A view, not a table: each period is joined once, as it is written, and never materialised whole.
CREATE OR REPLACE TEMPORARY VIEW dataset AS
SELECT s.user_id, s.item_id, s.category_id, s.period, s.stage,
       CASE WHEN s.stage >= 1 THEN 1 ELSE 0 END AS y_click,
       CASE WHEN s.stage >= 2 THEN 1 ELSE 0 END AS y_cart,
       CASE WHEN s.stage = 3 THEN 1 ELSE 0 END AS y_purchase,
       s.had_click_event, s.had_cart_event, s.had_fav, s.is_negative,
       uf.user_clicks_1p,
       uf.user_clicks_3p,
       uf.user_clicks_7p,
       uf.user_carts_1p,
       uf.user_carts_3p,
       uf.user_carts_7p,
       uf.user_purchases_1p,
       uf.user_purchases_3p,
       uf.user_purchases_7p,
       uf.user_distinct_items,
       uf.user_distinct_categories,
       uf.user_periods_since_last,
       uf.user_purchase_rate_7p,
       uf.user_cart_rate_7p,
       itf.item_clicks_1p,
       itf.item_clicks_3p,
       itf.item_clicks_7p,
       itf.item_carts_1p,
       itf.item_carts_3p,
       itf.item_carts_7p,
       itf.item_purchases_1p,
       itf.item_purchases_3p,
       itf.item_purchases_7p,
       itf.item_periods_since_last,
       itf.item_purchase_rate_7p,
       itf.item_cart_rate_7p,
       cf.category_clicks_1p,
       cf.category_clicks_3p,
       cf.category_clicks_7p,
       cf.category_carts_1p,
       cf.category_carts_3p,
       cf.category_carts_7p,
       cf.category_purchases_1p,
       cf.category_purchases_3p,
       cf.category_purchases_7p,
       cf.category_periods_since_last,
       cf.category_purchase_rate_7p,
       CAST(COALESCE(ucf.user_category_clicks_1p, 0) AS FLOAT) AS user_category_clicks_1p,
       CAST(COALESCE(ucf.user_category_clicks_3p, 0) AS FLOAT) AS user_category_clicks_3p,
       CAST(COALESCE(ucf.user_category_clicks_7p, 0) AS FLOAT) AS user_category_clicks_7p,
       CAST(COALESCE(ucf.user_category_carts_1p, 0) AS FLOAT) AS user_category_carts_1p,
       CAST(COALESCE(ucf.user_category_carts_3p, 0) AS FLOAT) AS user_category_carts_3p,
       CAST(COALESCE(ucf.user_category_carts_7p, 0) AS FLOAT) AS user_category_carts_7p,
       CAST(COALESCE(ucf.user_category_purchases_1p, 0) AS FLOAT) AS user_category_purchases_1p,
       CAST(COALESCE(ucf.user_category_purchases_3p, 0) AS FLOAT) AS user_category_purchases_3p,
       CAST(COALESCE(ucf.user_category_purchases_7p, 0) AS FLOAT) AS user_category_purchases_7p,
       CAST(COALESCE(ucf.user_category_periods_since_last, 0) AS FLOAT) AS user_category_periods_since_last,
       CAST(COALESCE(uif.user_item_clicks_before, 0) AS FLOAT) AS user_item_clicks_before,
       CAST(COALESCE(uif.user_item_carts_before, 0) AS FLOAT) AS user_item_carts_before,
       CAST(COALESCE(uif.user_item_favs_before, 0) AS FLOAT) AS user_item_favs_before,
       CAST(COALESCE(uif.user_item_purchases_before, 0) AS FLOAT) AS user_item_purchases_before,
       CAST(COALESCE(uif.user_item_periods_since_last, 0) AS FLOAT) AS user_item_periods_since_last
FROM samples s
LEFT JOIN user_features uf ON uf.user_id = s.user_id AND uf.period = s.period
LEFT JOIN item_features itf ON itf.item_id = s.item_id AND itf.period = s.period
LEFT JOIN category_features cf ON cf.category_id = s.category_id AND cf.period = s.period
LEFT JOIN user_category_features ucf ON ucf.user_id = s.user_id AND ucf.category_id = s.category_id AND ucf.period = s.period
LEFT JOIN user_item_features uif ON uif.user_id = s.user_id AND uif.item_id = s.item_id AND uif.period = s.period;
