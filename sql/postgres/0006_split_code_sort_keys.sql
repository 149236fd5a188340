-- The sliced views sort by fixed-width keys only (issue #17). `evaluation_of` (0004, 0005) partitioned and
-- grouped every metric by (run_id, split, slice_value): the run is the function's argument, so it folds
-- away, but `split` is a text column whenever no split is given, as in the analysts' views
-- (`evaluation_by_period` and the others read every split of a run). Each sort then led with that text key
-- and compared it on every comparison before reaching the period and p: `evaluation_of('period', run)` over
-- a run of 1M rows took 27.4 s, 16.0 s with the split as a smallint code (0 train, 1 valid, 2 test) in every
-- key. When a split is given (the publisher's call) the code is a constant and drops out of the keys, as the
-- text did; the run id comes back from the argument and the split as text at the end. The metrics are the
-- same; sums over users and lists may run in another order (differences of about 1e-15, as between two
-- runs of the parallel plan).

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
           (CASE WHEN $3 IS NOT NULL THEN CASE $3 WHEN 'train' THEN 0 WHEN 'valid' THEN 1 ELSE 2 END
                 ELSE CASE s.split WHEN 'train' THEN 0 WHEN 'valid' THEN 1 ELSE 2 END END)::smallint AS split_code,
           s.p_click, s.p_cart, s.p_purchase, s.score, s.user_id, s.period, s.item_id, s.y_click, s.y_cart, s.y_purchase, s.stage
    FROM {{schema}}.scores s
    WHERE s.run_id = $2 COLLATE "C" AND ($3 IS NULL OR s.split = $3 COLLATE "C")
      AND $1 IN ('all', 'period', 'category', 'user_activity')
),
-- Per label, the sum over positives of twice the average rank of p in the slice, and the class counts.
auc AS (
    SELECT split_code, slice_value, 'click'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_click, y_click AS y, slice_value, split_code, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_click IS NOT NULL AND y_click IS NOT NULL
          WINDOW w AS (PARTITION BY split_code, slice_value ORDER BY p_click)) r
    GROUP BY split_code, slice_value
    UNION ALL
    SELECT split_code, slice_value, 'cart'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_cart, y_cart AS y, slice_value, split_code, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_cart IS NOT NULL AND y_cart IS NOT NULL
          WINDOW w AS (PARTITION BY split_code, slice_value ORDER BY p_cart)) r
    GROUP BY split_code, slice_value
    UNION ALL
    SELECT split_code, slice_value, 'purchase'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_purchase, y_purchase AS y, slice_value, split_code, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL
          WINDOW w AS (PARTITION BY split_code, slice_value ORDER BY p_purchase)) r
    GROUP BY split_code, slice_value
),
-- The same per user of the slice, and that user's AUC.
user_auc AS (
    SELECT split_code, slice_value, label, positives + negatives AS n,
           CASE WHEN positives > 0 AND negatives > 0 THEN
               (rank_sum2::float8 / 2 - (positives * (positives + 1))::float8 / 2) / (positives::float8 * negatives)
           END AS auc
    FROM (
    SELECT split_code, slice_value, 'click'::text AS label, user_id,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_click, y_click AS y, user_id, slice_value, split_code, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_click IS NOT NULL AND y_click IS NOT NULL
          WINDOW w AS (PARTITION BY split_code, slice_value, user_id ORDER BY p_click)) r
    GROUP BY split_code, slice_value, user_id
    UNION ALL
    SELECT split_code, slice_value, 'cart'::text AS label, user_id,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_cart, y_cart AS y, user_id, slice_value, split_code, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_cart IS NOT NULL AND y_cart IS NOT NULL
          WINDOW w AS (PARTITION BY split_code, slice_value, user_id ORDER BY p_cart)) r
    GROUP BY split_code, slice_value, user_id
    UNION ALL
    SELECT split_code, slice_value, 'purchase'::text AS label, user_id,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT p_purchase, y_purchase AS y, user_id, slice_value, split_code, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM sliced WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL
          WINDOW w AS (PARTITION BY split_code, slice_value, user_id ORDER BY p_purchase)) r
    GROUP BY split_code, slice_value, user_id
    ) u
),
-- Per list: DCG@5/@10 by score, and its count of each stage.
lists AS (
    SELECT split_code, slice_value,
           sum(gain / discount[rank]) FILTER (WHERE rank <= 5) AS dcg5,
           sum(gain / discount[rank]) FILTER (WHERE rank <= 10) AS dcg10,
           count(*) FILTER (WHERE stage = 3) AS c3, count(*) FILTER (WHERE stage = 2) AS c2,
           count(*) FILTER (WHERE stage = 1) AS c1
    FROM (SELECT score, item_id, user_id, period, stage, slice_value, split_code, ((1 << stage) - 1)::float8 AS gain,
                 row_number() OVER (PARTITION BY split_code, slice_value, user_id, period ORDER BY score DESC, item_id) AS rank
          FROM sliced) r
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
    GROUP BY split_code, slice_value, user_id, period
),
-- The ideal DCG@k of a list from its stage counts: c3 items of gain 7 first, then c2 of gain 3, then c1 of
-- gain 1, each term gain / discount[rank] summed in rank order as the C# loop does.
ideal AS (
    SELECT l.split_code, l.slice_value, k.k,
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
    SELECT split_code, slice_value,
           coalesce(sum(1::float8 / discount[rank]) FILTER (WHERE rank <= 5 AND bought), 0) AS dcg5,
           coalesce(sum(1::float8 / discount[rank]) FILTER (WHERE rank <= 10 AND bought), 0) AS dcg10,
           count(*) FILTER (WHERE bought) AS bought
    FROM (SELECT p_purchase, item_id, user_id, period, slice_value, split_code, y_purchase <> 0 AS bought,
                 row_number() OVER (PARTITION BY split_code, slice_value, user_id, period ORDER BY p_purchase DESC, item_id) AS rank
          FROM sliced WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL) r
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
    GROUP BY split_code, slice_value, user_id, period
),
purchase_ideal AS (
    SELECT l.split_code, l.slice_value, k.k,
           CASE k.k WHEN 5 THEN l.dcg5 ELSE l.dcg10 END AS dcg,
           (SELECT sum(1::float8 / d.discount[r]) FROM generate_series(1, least(k.k, l.bought)::int) AS r) AS idcg
    FROM purchase_lists l
    CROSS JOIN (VALUES (5), (10)) AS k (k)
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
),
-- Log loss of the three labels in one scan; the CASE guards keep a NULL p (a task the model lacks) out.
losses AS (
    SELECT split_code, slice_value,
           sum(CASE WHEN y_click <> 0 THEN ln(pc) ELSE ln(1::float8 - pc) END) AS click_sum, count(pc) AS click_n,
           sum(CASE WHEN y_cart <> 0 THEN ln(pk) ELSE ln(1::float8 - pk) END) AS cart_sum, count(pk) AS cart_n,
           sum(CASE WHEN y_purchase <> 0 THEN ln(pp) ELSE ln(1::float8 - pp) END) AS purchase_sum, count(pp) AS purchase_n
    FROM (SELECT split_code, slice_value, y_click, y_cart, y_purchase,
                 CASE WHEN p_click IS NOT NULL AND y_click IS NOT NULL THEN greatest(least(p_click, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pc,
                 CASE WHEN p_cart IS NOT NULL AND y_cart IS NOT NULL THEN greatest(least(p_cart, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pk,
                 CASE WHEN p_purchase IS NOT NULL AND y_purchase IS NOT NULL THEN greatest(least(p_purchase, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pp
          FROM sliced) clipped
    GROUP BY split_code, slice_value
)
-- The run is the argument and the split a smallint in every sort and group key above (text keys made each
-- comparison walk the tuple: a sliced view over every split sorted 3× slower); both back as text here.
SELECT $2, CASE m.split_code WHEN 0 THEN 'train' WHEN 1 THEN 'valid' ELSE 'test' END, m.slice_value, m.metric, m.label, m.value, m.rows
FROM (
SELECT split_code, slice_value, 'auc'::text AS metric, label,
       CASE WHEN positives > 0 AND negatives > 0 THEN
           (rank_sum2::float8 / 2 - (positives * (positives + 1))::float8 / 2) / (positives::float8 * negatives)
       END AS value,
       positives + negatives AS rows
FROM auc
UNION ALL
SELECT split_code, slice_value, 'gauc', label,
       sum(auc * n) FILTER (WHERE auc IS NOT NULL) / sum(n) FILTER (WHERE auc IS NOT NULL),
       coalesce(sum(n) FILTER (WHERE auc IS NOT NULL), 0)
FROM user_auc
GROUP BY split_code, slice_value, label
UNION ALL
SELECT split_code, slice_value, 'ndcg', k::text,
       avg(dcg / idcg) FILTER (WHERE idcg > 0), count(*) FILTER (WHERE idcg > 0)
FROM ideal
GROUP BY split_code, slice_value, k
UNION ALL
SELECT split_code, slice_value, 'ndcg_purchase', k::text,
       avg(dcg / idcg) FILTER (WHERE idcg > 0), count(*) FILTER (WHERE idcg > 0)
FROM purchase_ideal
GROUP BY split_code, slice_value, k
UNION ALL
SELECT t.split_code, t.slice_value, 'logloss', l.label, -(l.loss_sum / l.n), l.n
FROM losses t
CROSS JOIN LATERAL (VALUES ('click'::text, t.click_sum, t.click_n),
                           ('cart'::text, t.cart_sum, t.cart_n),
                           ('purchase'::text, t.purchase_sum, t.purchase_n)) AS l (label, loss_sum, n)
WHERE l.n > 0
) AS m (split_code, slice_value, metric, label, value, rows)
$fn$;
