-- A run's metrics are computed once, in PostgreSQL, when the run is published (inside the publishing
-- transaction, PostgresScoreSink), and stored in `metrics`; `evaluation` reads them, so an analyst's
-- "SELECT * FROM mtlds.evaluation WHERE run_id = …" answers at once however large the run. The numbers come
-- from `evaluation_of_scores`, which computes them from `scores` and also slices them by period, by item
-- category and by the user's activity; the three `evaluation_by_*` views are its slices, for ad-hoc queries.
--
-- Score rows gain the two keys the slices need: the item's category and the user's clicks over the 7
-- periods before the sample's period (the feature user_clicks_7p, point in time). Rows published before this
-- migration have NULL there (one NULL slice).
--
-- `metrics` holds, per (run, split, metric, label), the value computed from the published rows (`value`) and
-- the trainer's own number from metrics.json (`trainer`, NULL where the trainer has none). Its rows of runs
-- published before this migration held the trainer's number in `value`: it moves to `trainer`, and `value`
-- is computed here from their rows, so every published run reads the same way.

ALTER TABLE {{schema}}.scores ADD COLUMN IF NOT EXISTS category_id bigint, ADD COLUMN IF NOT EXISTS user_clicks_7p integer;

-- evaluation_of(slice): the metrics of every run and split, computed from the rows, per slice_value of the
-- slice. A slice is a subset of a split's rows and every metric is computed over that subset as if it were
-- the whole split: 'all' (slice_value 0) is the split itself and gives the numbers `mtlds evaluate` and
-- metrics.json report; 'period' has one subset per period, 'category' per category_id (a list then is the
-- category's items of one user and period, so its NDCG ranks within the category), 'user_activity' per
-- bucket of user_clicks_7p, slice_value the bucket's lower bound (0, 1, 10, 100: '0', '1-9', '10-99',
-- '100+'; a user's list falls in one bucket). Metric and label as in metrics.json: auc, gauc, logloss per
-- label (click|cart|purchase); ndcg with label '5' or '10'. Undefined values (one class only,
-- no list with a positive) are NULL, where C# has NaN; a task the model lacks has NULL p_/y_ and no row.
-- `rows` is the number of rows (AUC, log loss; gAUC: of the users with both classes) or lists (NDCG) the
-- value is over.
--
-- One run, one split (NULL: every split). A SQL function rather than a view: PostgreSQL inlines it with
-- the arguments as constants, so the CASE that picks slice_value folds to one column (or to 0 for 'all',
-- which then drops out of every sort key, as the run and split do), and the run's filter, in the partition
-- key's collation, reads that run's partition only (a filter on a function's text result would not: its
-- collation is the default, not the key's "C"). Each
-- metric sorts the slice's rows once: AUC by p, gAUC by (user, p), NDCG by (list, score); log loss is one
-- hashed aggregate; the ideal DCG needs no sort (it follows from the list's count of each stage). The
-- selected columns lead with the fixed-width ones: a sort compares its tuples' later keys by walking them,
-- and a text column in front makes that walk slow. PARALLEL SAFE lets the metrics' branches run in
-- parallel workers (9.3 s instead of 15.5 s for 1M rows here; an INSERT … SELECT would not run in parallel,
-- so the publisher selects, then inserts).
--
-- Definitions (Mtlds.Model.Metrics, which the tests compare with number for number, and scikit-learn):
-- AUC is the Mann–Whitney U with average ranks for tied p (roc_auc_score), y <> 0 positive. Within the
-- window ordered by p, rank() is the first 1-based rank of the row's tie group and count(*) (default RANGE
-- frame, all peers) its last, so (first + last) is twice the average rank; summed over positives in exact
-- integers, then evaluated as C# does, (R+ − n+(n+ + 1)/2) / (n+ n−): the same double, bit for bit.
-- gAUC is that AUC per user_id (Auc.Grouped groups by user, not list), averaged over users with both classes
-- weighted by the user's row count. Log loss clips p to [1e-7, 1 − 1e-7] (LogLoss.Epsilon) as log_loss
-- does with eps. NDCG@k: a list is (user, period); items rank by score desc, ties by item_id asc; gain
-- 2^stage − 1; discount log2(rank + 1), here the float8 values of Math.Log2(2..11) (PostgreSQL has no
-- float8 log2, and ln(x)/ln(2) is an ulp off for some x); lists whose ideal DCG is 0 are skipped. The sums
-- run in another order than the C# loops: NDCG agrees to ~1e-15, not bit for bit.
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
SELECT t.run_id, t.split, t.slice_value, 'logloss', l.label, -(l.loss_sum / l.n), l.n
FROM losses t
CROSS JOIN LATERAL (VALUES ('click'::text, t.click_sum, t.click_n),
                           ('cart'::text, t.cart_sum, t.cart_n),
                           ('purchase'::text, t.purchase_sum, t.purchase_n)) AS l (label, loss_sum, n)
WHERE l.n > 0
$fn$;

-- The slices, for analysts: e.g. SELECT * FROM mtlds.evaluation_by_period WHERE run_id = 'nightly-2026-12-01'.
CREATE OR REPLACE VIEW {{schema}}.evaluation_by_period AS
SELECT r.run_id, e.split, e.slice_value AS period, e.metric, e.label, e.value, e.rows
FROM {{schema}}.runs r CROSS JOIN LATERAL {{schema}}.evaluation_of('period', r.run_id) e;

CREATE OR REPLACE VIEW {{schema}}.evaluation_by_category AS
SELECT r.run_id, e.split, e.slice_value AS category_id, e.metric, e.label, e.value, e.rows
FROM {{schema}}.runs r CROSS JOIN LATERAL {{schema}}.evaluation_of('category', r.run_id) e;

CREATE OR REPLACE VIEW {{schema}}.evaluation_by_user_activity AS
SELECT r.run_id, e.split,
       CASE e.slice_value WHEN 0 THEN '0' WHEN 1 THEN '1-9' WHEN 10 THEN '10-99' WHEN 100 THEN '100+' END AS user_clicks_7p,
       e.metric, e.label, e.value, e.rows
FROM {{schema}}.runs r CROSS JOIN LATERAL {{schema}}.evaluation_of('user_activity', r.run_id) e;

-- metrics: the computed value beside the trainer's; the rows of earlier runs recomputed from their scores.
DROP VIEW IF EXISTS {{schema}}.evaluation;
ALTER TABLE {{schema}}.metrics RENAME TO metrics_before_0004;
ALTER TABLE {{schema}}.metrics_before_0004 RENAME CONSTRAINT metrics_pkey TO metrics_before_0004_pkey;
CREATE TABLE {{schema}}.metrics (
    run_id  text NOT NULL REFERENCES {{schema}}.runs (run_id) ON DELETE CASCADE,
    split   text NOT NULL,
    metric  text NOT NULL,
    label   text NOT NULL DEFAULT '',
    value   double precision,
    rows    bigint NOT NULL,
    trainer double precision,
    PRIMARY KEY (run_id, split, metric, label)
);
SET LOCAL work_mem = '256MB';
INSERT INTO {{schema}}.metrics (run_id, split, metric, label, value, rows, trainer)
SELECT r.run_id, e.split, e.metric, e.label, e.value, e.rows, m.value
FROM {{schema}}.runs r
CROSS JOIN LATERAL {{schema}}.evaluation_of('all', r.run_id) e
LEFT JOIN {{schema}}.metrics_before_0004 m
       ON m.run_id = r.run_id AND m.split = e.split AND m.metric = e.metric AND m.label = e.label
WHERE r.status = 'succeeded';
DROP TABLE {{schema}}.metrics_before_0004;

-- Every number of a published run, as stored when it was published (metric -> label -> value, as in
-- metrics.json), with the trainer's number beside it.
CREATE VIEW {{schema}}.evaluation AS
SELECT run_id, split, metric, label, value, trainer, rows FROM {{schema}}.metrics;
