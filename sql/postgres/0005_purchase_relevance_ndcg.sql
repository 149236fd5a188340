-- The comparison protocol (DESIGN §7, issue #14): every model is scored by the same rules. Besides the graded
-- NDCG (gain 2^stage − 1, items ranked by `score`, the model's ranking score: its aggregator's output, or the
-- sum of its task probabilities for a model without one), `evaluation_of` now also gives `ndcg_purchase`
-- with labels '5' and '10': purchase relevance (gain 1 for a purchase, 0 otherwise) with items ranked by
-- p_purchase, whatever the model, ties by item_id as everywhere. It is what Mtlds.Model's SplitMetrics
-- calls NdcgPurchase and metrics.json `ndcg_purchase`. The rest of the function is 0004's.
--
-- Runs published before this migration get their ndcg_purchase rows computed from their scores here (the
-- filter on the metric leaves the other branches out of the plan: one sort of each run's rows). Their
-- `score` was ranked under the old rule for models without an aggregator (p_purchase alone), so their
-- graded NDCG stays what it was; ndcg_purchase does not depend on `score`.

CREATE OR REPLACE FUNCTION {{schema}}.evaluation_of(slice text, run text, split text DEFAULT NULL)
RETURNS TABLE (run_id text, split text, slice_value bigint, metric text, label text, value double precision, rows bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
WITH sliced AS NOT MATERIALIZED (
    SELECT CASE $1 WHEN 'all' THEN 0::bigint
                   WHEN 'period' THEN s.period
                   WHEN 'category' THEN s.category_id
                   WHEN 'user_activity' THEN CASE WHEN s.user_clicks_7p <= 0 THEN 0 WHEN s.user_clicks_7p < 10 THEN 1
                                                  WHEN s.user_clicks_7p < 100 THEN 10 WHEN s.user_clicks_7p IS NOT NULL THEN 100 END
           END AS slice_value,
           s.p_click, s.p_cart, s.p_purchase, s.score, s.user_id, s.period, s.item_id, s.y_click, s.y_cart, s.y_purchase, s.stage, s.run_id, s.split
    FROM {{schema}}.scores s
    WHERE s.run_id = $2 COLLATE "C" AND ($3 IS NULL OR s.split = $3 COLLATE "C")
      AND $1 IN ('all', 'period', 'category', 'user_activity')
),
-- Per label, the sum over positives of twice the average rank of p in the slice, and the class counts.
auc AS (
    SELECT run_id, split, slice_value, 'click'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_click, y_click AS y, slice_value, run_id, split, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_click IS NOT NULL AND y_click IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split, slice_value ORDER BY p_click)) r
    GROUP BY run_id, split, slice_value
    UNION ALL
    SELECT run_id, split, slice_value, 'cart'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_cart, y_cart AS y, slice_value, run_id, split, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_cart IS NOT NULL AND y_cart IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split, slice_value ORDER BY p_cart)) r
    GROUP BY run_id, split, slice_value
    UNION ALL
    SELECT run_id, split, slice_value, 'purchase'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_purchase, y_purchase AS y, slice_value, run_id, split, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split, slice_value ORDER BY p_purchase)) r
    GROUP BY run_id, split, slice_value
),
-- The same per user of the slice, and that user's AUC.
user_auc AS (
    SELECT run_id, split, slice_value, label, positives + negatives AS n,
           CASE WHEN positives > 0 AND negatives > 0 THEN
               (rank_sum2::float8 / 2 - (positives * (positives + 1))::float8 / 2) / (positives::float8 * negatives)
           END AS auc
    FROM (
    SELECT run_id, split, slice_value, 'click'::text AS label, user_id,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_click, y_click AS y, user_id, slice_value, run_id, split, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_click IS NOT NULL AND y_click IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split, slice_value, user_id ORDER BY p_click)) r
    GROUP BY run_id, split, slice_value, user_id
    UNION ALL
    SELECT run_id, split, slice_value, 'cart'::text AS label, user_id,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_cart, y_cart AS y, user_id, slice_value, run_id, split, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_cart IS NOT NULL AND y_cart IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split, slice_value, user_id ORDER BY p_cart)) r
    GROUP BY run_id, split, slice_value, user_id
    UNION ALL
    SELECT run_id, split, slice_value, 'purchase'::text AS label, user_id,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_purchase, y_purchase AS y, user_id, slice_value, run_id, split, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split, slice_value, user_id ORDER BY p_purchase)) r
    GROUP BY run_id, split, slice_value, user_id
    ) u
),
-- Per list: DCG@5/@10 by score, and its count of each stage.
lists AS (
    SELECT run_id, split, slice_value,
           sum(gain / discount[rank]) FILTER (WHERE rank <= 5) AS dcg5,
           sum(gain / discount[rank]) FILTER (WHERE rank <= 10) AS dcg10,
           count(*) FILTER (WHERE stage = 3) AS c3, count(*) FILTER (WHERE stage = 2) AS c2,
           count(*) FILTER (WHERE stage = 1) AS c1
    FROM (SELECT score, item_id, user_id, period, stage, slice_value, run_id, split, ((1 << stage) - 1)::float8 AS gain,
                 row_number() OVER (PARTITION BY run_id, split, slice_value, user_id, period ORDER BY score DESC, item_id) AS rank
          FROM sliced) r
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
    GROUP BY run_id, split, slice_value, user_id, period
),
-- The ideal DCG@k of a list from its stage counts: c3 items of gain 7 first, then c2 of gain 3, then c1 of
-- gain 1, each term gain / discount[rank] summed in rank order as the C# loop does.
ideal AS (
    SELECT l.run_id, l.split, l.slice_value, k.k,
           CASE k.k WHEN 5 THEN l.dcg5 ELSE l.dcg10 END AS dcg,
           (SELECT sum(CASE WHEN r <= l.c3 THEN 7 WHEN r <= l.c3 + l.c2 THEN 3 ELSE 1 END::float8 / d.discount[r])
            FROM generate_series(1, least(k.k, l.c3 + l.c2 + l.c1)::int) AS r) AS idcg
    FROM lists l
    CROSS JOIN (VALUES (5), (10)) AS k (k)
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
),
-- Purchase relevance per list: DCG@5/@10 of gain 1 per purchase with items ranked by p_purchase (every
-- model alike), and the list's count of purchases (its ideal DCG is that many leading ones).
purchase_lists AS (
    SELECT run_id, split, slice_value,
           coalesce(sum(1::float8 / discount[rank]) FILTER (WHERE rank <= 5 AND bought), 0) AS dcg5,
           coalesce(sum(1::float8 / discount[rank]) FILTER (WHERE rank <= 10 AND bought), 0) AS dcg10,
           count(*) FILTER (WHERE bought) AS bought
    FROM (SELECT p_purchase, item_id, user_id, period, slice_value, run_id, split, y_purchase <> 0 AS bought,
                 row_number() OVER (PARTITION BY run_id, split, slice_value, user_id, period ORDER BY p_purchase DESC, item_id) AS rank
          FROM sliced WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL) r
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
    GROUP BY run_id, split, slice_value, user_id, period
),
purchase_ideal AS (
    SELECT l.run_id, l.split, l.slice_value, k.k,
           CASE k.k WHEN 5 THEN l.dcg5 ELSE l.dcg10 END AS dcg,
           (SELECT sum(1::float8 / d.discount[r]) FROM generate_series(1, least(k.k, l.bought)::int) AS r) AS idcg
    FROM purchase_lists l
    CROSS JOIN (VALUES (5), (10)) AS k (k)
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
),
-- Log loss of the three labels in one scan; the CASE guards keep a NULL p (a task the model lacks) out.
losses AS (
    SELECT run_id, split, slice_value,
           sum(CASE WHEN y_click <> 0 THEN ln(pc) ELSE ln(1::float8 - pc) END) AS click_sum, count(pc) AS click_n,
           sum(CASE WHEN y_cart <> 0 THEN ln(pk) ELSE ln(1::float8 - pk) END) AS cart_sum, count(pk) AS cart_n,
           sum(CASE WHEN y_purchase <> 0 THEN ln(pp) ELSE ln(1::float8 - pp) END) AS purchase_sum, count(pp) AS purchase_n
    FROM (SELECT run_id, split, slice_value, y_click, y_cart, y_purchase,
                 CASE WHEN p_click IS NOT NULL AND y_click IS NOT NULL THEN greatest(least(p_click, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pc,
                 CASE WHEN p_cart IS NOT NULL AND y_cart IS NOT NULL THEN greatest(least(p_cart, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pk,
                 CASE WHEN p_purchase IS NOT NULL AND y_purchase IS NOT NULL THEN greatest(least(p_purchase, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pp
          FROM sliced) clipped
    GROUP BY run_id, split, slice_value
)
SELECT run_id, split, slice_value, 'auc'::text AS metric, label,
       CASE WHEN positives > 0 AND negatives > 0 THEN
           (rank_sum2::float8 / 2 - (positives * (positives + 1))::float8 / 2) / (positives::float8 * negatives)
       END AS value,
       positives + negatives AS rows
FROM auc
UNION ALL
SELECT run_id, split, slice_value, 'gauc', label,
       sum(auc * n) FILTER (WHERE auc IS NOT NULL) / sum(n) FILTER (WHERE auc IS NOT NULL),
       coalesce(sum(n) FILTER (WHERE auc IS NOT NULL), 0)
FROM user_auc
GROUP BY run_id, split, slice_value, label
UNION ALL
SELECT run_id, split, slice_value, 'ndcg', k::text,
       avg(dcg / idcg) FILTER (WHERE idcg > 0), count(*) FILTER (WHERE idcg > 0)
FROM ideal
GROUP BY run_id, split, slice_value, k
UNION ALL
SELECT run_id, split, slice_value, 'ndcg_purchase', k::text,
       avg(dcg / idcg) FILTER (WHERE idcg > 0), count(*) FILTER (WHERE idcg > 0)
FROM purchase_ideal
GROUP BY run_id, split, slice_value, k
UNION ALL
SELECT t.run_id, t.split, t.slice_value, 'logloss', l.label, -(l.loss_sum / l.n), l.n
FROM losses t
CROSS JOIN LATERAL (VALUES ('click'::text, t.click_sum, t.click_n),
                           ('cart'::text, t.cart_sum, t.cart_n),
                           ('purchase'::text, t.purchase_sum, t.purchase_n)) AS l (label, loss_sum, n)
WHERE l.n > 0
$fn$;

SET LOCAL work_mem = '256MB';
INSERT INTO {{schema}}.metrics (run_id, split, metric, label, value, rows)
SELECT r.run_id, e.split, e.metric, e.label, e.value, e.rows
FROM {{schema}}.runs r
CROSS JOIN LATERAL {{schema}}.evaluation_of('all', r.run_id) e
WHERE r.status = 'succeeded' AND e.metric = 'ndcg_purchase'
ON CONFLICT (run_id, split, metric, label) DO NOTHING;
