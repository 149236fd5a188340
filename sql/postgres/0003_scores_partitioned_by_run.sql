-- Runs that come and go in O(1): `scores` becomes a table partitioned by run (LIST on run_id), one partition
-- a run named scores_<md5 of the run id> (run ids can be 128 characters; names 63). Publishing a run attaches
-- its partition, replacing one swaps it, deleting or pruning one drops it: no DELETE of millions of rows, no
-- bloat, no vacuum. Partitioned by run rather than by period: a run is what is published, replaced and
-- pruned as a whole, and every analyst's query names one (WHERE run_id = … reads one partition). The
-- existing rows move over in this transaction, each run into its partition; the row count is checked before
-- the old table goes. The views of 0002 depend on the table: dropped first, recreated unchanged at the end.

DROP VIEW IF EXISTS {{schema}}.evaluation, {{schema}}.auc, {{schema}}.gauc, {{schema}}.ndcg, {{schema}}.logloss, {{schema}}.calibration;

ALTER TABLE {{schema}}.scores RENAME TO scores_unpartitioned;
ALTER TABLE {{schema}}.scores_unpartitioned RENAME CONSTRAINT scores_pkey TO scores_unpartitioned_pkey;

-- The columns and checks of 0001; the primary key leads with run_id, the partition key.
CREATE TABLE {{schema}}.scores (
    run_id     text COLLATE "C" NOT NULL,
    split      text COLLATE "C" NOT NULL CONSTRAINT scores_split_known CHECK (split IN ('train', 'valid', 'test')),
    user_id    bigint NOT NULL,
    item_id    bigint NOT NULL,
    period     bigint NOT NULL,
    score      double precision NOT NULL,
    p_click    double precision,
    p_cart     double precision,
    p_purchase double precision NOT NULL,
    y_click    smallint,
    y_cart     smallint,
    y_purchase smallint NOT NULL,
    stage      smallint NOT NULL CONSTRAINT scores_stage_range CHECK (stage BETWEEN 0 AND 3),
    PRIMARY KEY (run_id, split, user_id, period, item_id)
) PARTITION BY LIST (run_id);

-- The partition of a run: the same name here, in the publisher and in the trigger below.
CREATE OR REPLACE FUNCTION {{schema}}.score_partition(run_id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $fn$ SELECT 'scores_' || md5(run_id) $fn$;

DO $do$
DECLARE
    r record;
    moved bigint;
    had bigint;
BEGIN
    FOR r IN SELECT DISTINCT run_id FROM {{schema}}.scores_unpartitioned LOOP
        EXECUTE format('CREATE TABLE %s.%I PARTITION OF %s.scores FOR VALUES IN (%L)',
                       '{{schema}}', {{schema}}.score_partition(r.run_id), '{{schema}}', r.run_id);
    END LOOP;
    INSERT INTO {{schema}}.scores SELECT * FROM {{schema}}.scores_unpartitioned;
    GET DIAGNOSTICS moved = ROW_COUNT;
    SELECT count(*) INTO had FROM {{schema}}.scores_unpartitioned;
    IF moved <> had THEN
        RAISE EXCEPTION 'moving scores into partitions: % rows of %', moved, had;
    END IF;
END
$do$;
DROP TABLE {{schema}}.scores_unpartitioned;

-- Deleting a run drops its partition (what ON DELETE CASCADE would do, without deleting a row).
CREATE OR REPLACE FUNCTION {{schema}}.delete_scores_of_deleted_runs() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT run_id FROM deleted_runs LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I.%I', TG_TABLE_SCHEMA, 'scores_' || md5(r.run_id));
    END LOOP;
    RETURN NULL;
END
$fn$;

-- The views of 0002, as they were.
-- AUC as the Mann–Whitney U statistic with average ranks for tied p, per label over the rows where the
-- model has that label (a task the model lacks has NULL p_/y_ and so no row). y <> 0 is a positive, as in
-- C# (labels[i] != 0). Within the window ordered by p, rank() is the first 1-based rank of the tie group of a row
-- and count(*) (default RANGE frame, which takes in all peers) its last, so (first + last) is twice the
-- average rank. Summed over positives in exact integers, R+ doubled is exact, and the C# double formula
-- (R+ - n+(n+ + 1)/2) / (n+ n-) is then evaluated from the same exact operands (the double R+ of C# is exact
-- too while below 2^53, i.e. below ~10^8 rows): the same double result, bit for bit.
-- One branch per label: three sorts of the rows of a run are cheaper than one sort of them unpivoted.
CREATE OR REPLACE VIEW {{schema}}.auc AS
SELECT run_id, split, label,
       CASE WHEN positives > 0 AND negatives > 0 THEN
           (rank_sum2::float8 / 2 - (positives * (positives + 1))::float8 / 2) / (positives::float8 * negatives)
       END AS auc,
       positives, negatives
FROM (
    SELECT run_id, split, 'click'::text AS label,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
           count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
    FROM (SELECT run_id, split, y_click AS y, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM {{schema}}.scores WHERE p_click IS NOT NULL AND y_click IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split ORDER BY p_click)) r
    GROUP BY run_id, split
    UNION ALL
    SELECT run_id, split, 'cart'::text,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0),
           count(*) FILTER (WHERE y <> 0), count(*) FILTER (WHERE y = 0)
    FROM (SELECT run_id, split, y_cart AS y, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM {{schema}}.scores WHERE p_cart IS NOT NULL AND y_cart IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split ORDER BY p_cart)) r
    GROUP BY run_id, split
    UNION ALL
    SELECT run_id, split, 'purchase'::text,
           sum(first_rank + last_rank) FILTER (WHERE y <> 0),
           count(*) FILTER (WHERE y <> 0), count(*) FILTER (WHERE y = 0)
    FROM (SELECT run_id, split, y_purchase AS y, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
          FROM {{schema}}.scores WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL
          WINDOW w AS (PARTITION BY run_id, split ORDER BY p_purchase)) r
    GROUP BY run_id, split
) sums;

-- Group AUC: the AUC above per user_id (not per user and period: Auc.Grouped groups by user), averaged over
-- the users with both classes, weighted by the row count of the user. NULL when no user has both classes.
CREATE OR REPLACE VIEW {{schema}}.gauc AS
SELECT run_id, split, label,
       sum(auc * n) FILTER (WHERE auc IS NOT NULL) / sum(n) FILTER (WHERE auc IS NOT NULL) AS gauc
FROM (
    SELECT run_id, split, label, positives + negatives AS n,
           CASE WHEN positives > 0 AND negatives > 0 THEN
               (rank_sum2::float8 / 2 - (positives * (positives + 1))::float8 / 2) / (positives::float8 * negatives)
           END AS auc
    FROM (
        SELECT run_id, split, 'click'::text AS label, user_id,
               sum(first_rank + last_rank) FILTER (WHERE y <> 0) AS rank_sum2,
               count(*) FILTER (WHERE y <> 0) AS positives, count(*) FILTER (WHERE y = 0) AS negatives
        FROM (SELECT run_id, split, user_id, y_click AS y, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
              FROM {{schema}}.scores WHERE p_click IS NOT NULL AND y_click IS NOT NULL
              WINDOW w AS (PARTITION BY run_id, split, user_id ORDER BY p_click)) r
        GROUP BY run_id, split, user_id
        UNION ALL
        SELECT run_id, split, 'cart'::text, user_id,
               sum(first_rank + last_rank) FILTER (WHERE y <> 0),
               count(*) FILTER (WHERE y <> 0), count(*) FILTER (WHERE y = 0)
        FROM (SELECT run_id, split, user_id, y_cart AS y, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
              FROM {{schema}}.scores WHERE p_cart IS NOT NULL AND y_cart IS NOT NULL
              WINDOW w AS (PARTITION BY run_id, split, user_id ORDER BY p_cart)) r
        GROUP BY run_id, split, user_id
        UNION ALL
        SELECT run_id, split, 'purchase'::text, user_id,
               sum(first_rank + last_rank) FILTER (WHERE y <> 0),
               count(*) FILTER (WHERE y <> 0), count(*) FILTER (WHERE y = 0)
        FROM (SELECT run_id, split, user_id, y_purchase AS y, rank() OVER w AS first_rank, count(*) OVER w AS last_rank
              FROM {{schema}}.scores WHERE p_purchase IS NOT NULL AND y_purchase IS NOT NULL
              WINDOW w AS (PARTITION BY run_id, split, user_id ORDER BY p_purchase)) r
        GROUP BY run_id, split, user_id
    ) per_user
) users
GROUP BY run_id, split, label;

-- Log loss with p clipped to [1e-7, 1 - 1e-7] in float8 (Math.Clamp with LogLoss.Epsilon), all three labels
-- in one scan, over the rows where both p and y of the label are set (as AUC); a label without such rows (a
-- task the model lacks) gets no row. The CASE guards matter: least/greatest would turn a NULL p into 1e-7.
CREATE OR REPLACE VIEW {{schema}}.logloss AS
SELECT t.run_id, t.split, l.label, -(l.loss_sum / l.n) AS logloss
FROM (
    SELECT run_id, split,
           sum(CASE WHEN y_click <> 0 THEN ln(pc) ELSE ln(1::float8 - pc) END) AS click_sum, count(pc) AS click_n,
           sum(CASE WHEN y_cart <> 0 THEN ln(pk) ELSE ln(1::float8 - pk) END) AS cart_sum, count(pk) AS cart_n,
           sum(CASE WHEN y_purchase <> 0 THEN ln(pp) ELSE ln(1::float8 - pp) END) AS purchase_sum, count(pp) AS purchase_n
    FROM (
        SELECT run_id, split, y_click, y_cart, y_purchase,
               CASE WHEN p_click IS NOT NULL AND y_click IS NOT NULL THEN greatest(least(p_click, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pc,
               CASE WHEN p_cart IS NOT NULL AND y_cart IS NOT NULL THEN greatest(least(p_cart, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pk,
               CASE WHEN p_purchase IS NOT NULL AND y_purchase IS NOT NULL THEN greatest(least(p_purchase, 1::float8 - 1e-7::float8), 1e-7::float8) END AS pp
        FROM {{schema}}.scores
    ) clipped
    GROUP BY run_id, split
) t
CROSS JOIN LATERAL (VALUES ('click'::text, t.click_sum, t.click_n),
                           ('cart'::text, t.cart_sum, t.cart_n),
                           ('purchase'::text, t.purchase_sum, t.purchase_n)) AS l (label, loss_sum, n)
WHERE l.n > 0;

-- NDCG@5 and @10. A list is (run, split, user, period); items rank by score desc, ties by item_id asc;
-- gain 2^stage - 1, discount log2(rank + 1), here the float8 values of Math.Log2(2..11) (PostgreSQL has no
-- float8 log2, and ln(x)/ln(2) is an ulp off for some x). The ideal ranks stages desc; how equal stages are
-- ordered there does not change the sum. Lists whose ideal DCG is 0 (no positive stage) are skipped, and
-- lists is the number of lists averaged. Sums run in a different order than the C# loops: expect
-- agreement to ~1e-15, not bit for bit.
CREATE OR REPLACE VIEW {{schema}}.ndcg AS
SELECT l.run_id, l.split, k.k,
       avg(k.dcg / k.idcg) FILTER (WHERE k.idcg > 0) AS ndcg,
       count(*) FILTER (WHERE k.idcg > 0) AS lists
FROM (
    SELECT run_id, split, user_id, period,
           sum(gain / discount[rank_by_score]) FILTER (WHERE rank_by_score <= 5) AS dcg5,
           sum(gain / discount[rank_by_score]) FILTER (WHERE rank_by_score <= 10) AS dcg10,
           sum(gain / discount[rank_by_stage]) FILTER (WHERE rank_by_stage <= 5) AS idcg5,
           sum(gain / discount[rank_by_stage]) FILTER (WHERE rank_by_stage <= 10) AS idcg10
    FROM (
        SELECT run_id, split, user_id, period,
               ((1 << stage) - 1)::float8 AS gain,
               row_number() OVER (PARTITION BY run_id, split, user_id, period ORDER BY score DESC, item_id) AS rank_by_score,
               row_number() OVER (PARTITION BY run_id, split, user_id, period ORDER BY stage DESC) AS rank_by_stage
        FROM {{schema}}.scores
    ) ranked
    CROSS JOIN (VALUES ('{1,1.584962500721156,2,2.321928094887362,2.584962500721156,2.807354922057604,3,3.169925001442312,3.321928094887362,3.4594316186372973}'::float8[])) AS d (discount)
    WHERE rank_by_score <= 10 OR rank_by_stage <= 10
    GROUP BY run_id, split, user_id, period
) l
CROSS JOIN LATERAL (VALUES (5, l.dcg5, l.idcg5), (10, l.dcg10, l.idcg10)) AS k (k, dcg, idcg)
GROUP BY l.run_id, l.split, k.k;

-- Calibration: ten score deciles per run and split (ntile over a total order, so a decile is deterministic),
-- with the mean predicted purchase probability beside the observed purchase rate (y_purchase <> 0).
CREATE OR REPLACE VIEW {{schema}}.calibration AS
SELECT run_id, split, decile,
       count(*) AS rows,
       avg(p_purchase) AS mean_p_purchase,
       avg(CASE WHEN y_purchase <> 0 THEN 1::float8 ELSE 0::float8 END) AS observed_purchase_rate,
       min(score) AS min_score,
       max(score) AS max_score
FROM (
    SELECT run_id, split, score, p_purchase, y_purchase,
           ntile(10) OVER (PARTITION BY run_id, split ORDER BY score, item_id, user_id, period) AS decile
    FROM {{schema}}.scores
) d
GROUP BY run_id, split, decile;

-- Every number in one long table, keyed like the metrics table (and metrics.json: metric -> label -> value;
-- the label of ndcg is k as text). Undefined values are rows with a NULL value; absent tasks have no rows.
CREATE OR REPLACE VIEW {{schema}}.evaluation AS
SELECT run_id, split, 'auc'::text AS metric, label, auc AS value FROM {{schema}}.auc
UNION ALL
SELECT run_id, split, 'gauc'::text, label, gauc FROM {{schema}}.gauc
UNION ALL
SELECT run_id, split, 'ndcg'::text, k::text, ndcg FROM {{schema}}.ndcg
UNION ALL
SELECT run_id, split, 'logloss'::text, label, logloss FROM {{schema}}.logloss;
