-- Negative samples for logs without impressions (the caller sets ${negatives} to 0 when the log has them).
-- For each engaged (user, item, period), 2·k draws: even slots draw an item of that period in proportion
-- to its popularity, odd slots an item of the engaged item's own category (a category the user touched).
-- Draws the user touched that period are dropped, each item is kept once, and each (user, period) keeps
-- ceil(k·e/2) popular and floor(k·e/2) same-category negatives, e its engaged samples.
-- Everything here is within a period, so this draws for the pass's periods ${group_from}..${group_to} only
-- (DuckDB builds a large log a group of periods at a time; Spark builds every period in one pass).
-- Randomness is a seeded integer hash (squares modulo the prime 2^31-1, every product below 2^62), the
-- same on every engine; ties are broken on every key, so the same seed gives the same rows.

-- One ticket per non-impression event: a uniform ticket is an item drawn by popularity. Within a category the
-- tickets keep their period order (item, user, time, behaviour), so the category's numbering sorts by the one
-- ticket key instead of those four columns again (13 % of this statement at 10M events, 6-21 % on a 30M-event
-- pass; the same numbers).
DROP TABLE IF EXISTS tickets;
CREATE TABLE tickets AS
SELECT period, item_id, category_id, ticket,
       ROW_NUMBER() OVER (PARTITION BY period, category_id ORDER BY ticket) - 1 AS category_ticket
FROM (
    SELECT period, item_id, category_id,
           ROW_NUMBER() OVER (PARTITION BY period ORDER BY item_id, user_id, ts, behavior, category_id) - 1 AS ticket
    FROM events
    WHERE behavior <> 'impression' AND ${negatives} > 0 AND period BETWEEN ${group_from} AND ${group_to}
) numbered;

DROP TABLE IF EXISTS ticket_counts;
CREATE TABLE ticket_counts AS
SELECT period, COUNT(*) AS n FROM tickets GROUP BY period;

DROP TABLE IF EXISTS category_ticket_counts;
CREATE TABLE category_ticket_counts AS
SELECT period, category_id, COUNT(*) AS n FROM tickets GROUP BY period, category_id;

-- Slots 0 .. 2k-1 (k at most 32).
DROP TABLE IF EXISTS draw_slots;
CREATE TABLE draw_slots AS
SELECT slot
FROM (SELECT a.d * 8 + b.d AS slot
      FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
            UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) a
      CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
            UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) b) slots
WHERE slot < 2 * ${negatives};

-- The draws of every engaged sample, each with the ticket number it draws: kept as tables so that the
-- ticket joins below are equi-joins on stored columns. Joined on an expression (t.ticket = x % n), the
-- planners joined tickets to every draw of their period first and filtered after: quadratic in a period's
-- events (doubling a no-impression log multiplied this step by 3.6).
DROP TABLE IF EXISTS draws;
CREATE TABLE draws AS
WITH engaged AS (
    SELECT user_id, item_id, period, category_id,
           ROW_NUMBER() OVER (PARTITION BY user_id, period ORDER BY item_id) - 1 AS source_rank
    FROM interactions
    WHERE stage > 0 AND ${negatives} > 0 AND period BETWEEN ${group_from} AND ${group_to}
), h1 AS (
    SELECT e.user_id, e.period, e.category_id, e.source_rank, d.slot,
           ((e.user_id % 2147483647) * 48271 + (e.item_id % 2147483647)) % 2147483647 AS x
    FROM engaged e CROSS JOIN draw_slots d
), h2 AS (
    SELECT user_id, period, category_id, source_rank, slot,
           (x * 16807 + (period % 2147483647) * 69621 + slot * 40692 + ${seed}) % 2147483647 AS x
    FROM h1
), h3 AS (
    SELECT user_id, period, category_id, source_rank, slot, (x * x + 12345) % 2147483647 AS x
    FROM h2
), h4 AS (
    SELECT user_id, period, category_id, source_rank, slot, ((x * 48271 + slot + ${seed}) % 2147483647) AS x
    FROM h3
), h5 AS (
    SELECT user_id, period, category_id, source_rank, slot, (x * x + 40692) % 2147483647 AS x
    FROM h4
)
-- draw_key orders a (user, period)'s draws by x, then slot, then engaged item, in one BIGINT: x < 2^31,
-- slot < 64, and the engaged item as its rank among the user's engaged items of the period (< 2^26), so
-- (x·64 + slot)·2^26 + rank < 2^63. One key, unique within its (user, period): the keep-once and the
-- ranking below sort by it alone, where comparing four columns in two window sorts was most of this
-- step's time.
SELECT user_id, period, category_id, slot, x, (x * 64 + slot) * 67108864 + source_rank AS draw_key
FROM h5;

-- Even slots draw a ticket of the period, odd slots a ticket of the engaged item's category in that period.
DROP TABLE IF EXISTS popular_draws;
CREATE TABLE popular_draws AS
SELECT h.user_id, h.period, h.draw_key, h.x % c.n AS ticket
FROM draws h
JOIN ticket_counts c ON c.period = h.period
WHERE h.slot % 2 = 0;

DROP TABLE IF EXISTS category_draws;
CREATE TABLE category_draws AS
SELECT h.user_id, h.period, h.category_id, h.draw_key, h.x % c.n AS category_ticket
FROM draws h
JOIN category_ticket_counts c ON c.period = h.period AND c.category_id = h.category_id
WHERE h.slot % 2 = 1;

DROP TABLE IF EXISTS negative_draws;
CREATE TABLE negative_draws AS
WITH candidates AS (
    SELECT d.user_id, d.period, d.draw_key, 0 AS kind, t.item_id, t.category_id
    FROM popular_draws d
    JOIN tickets t ON t.period = d.period AND t.ticket = d.ticket
    UNION ALL
    SELECT d.user_id, d.period, d.draw_key, 1 AS kind, t.item_id, t.category_id
    FROM category_draws d
    JOIN tickets t ON t.period = d.period AND t.category_id = d.category_id AND t.category_ticket = d.category_ticket
), first_draws AS (
    -- Each item once per (user, period): its draw of the smallest key (x, then slot, then engaged item), the
    -- first of its item in key order. A sort by (item, key) within each (user, period) and a look at the row
    -- before: a GROUP BY with MIN_BY made ~58M groups of one or two rows at 10M events and took 7 % longer
    -- there, 11-23 % longer on a 30M-event pass.
    SELECT user_id, period, item_id, draw_key, kind, category_id
    FROM (
        SELECT c.user_id, c.period, c.item_id, c.draw_key, c.kind, c.category_id,
               CASE WHEN LAG(c.item_id) OVER (PARTITION BY c.user_id, c.period ORDER BY c.item_id, c.draw_key) = c.item_id
                    THEN 0 ELSE 1 END AS first_of_item
        FROM candidates c
        LEFT JOIN interactions i ON i.user_id = c.user_id AND i.item_id = c.item_id AND i.period = c.period
        WHERE i.user_id IS NULL
    ) untouched
    WHERE first_of_item = 1
), ranked AS (
    SELECT user_id, period, item_id, category_id, kind,
           ROW_NUMBER() OVER (PARTITION BY user_id, period, kind ORDER BY draw_key) AS r
    FROM first_draws
), engaged_counts AS (
    SELECT user_id, period, COUNT(*) AS engaged
    FROM interactions
    WHERE stage > 0 AND ${negatives} > 0 AND period BETWEEN ${group_from} AND ${group_to}
    GROUP BY user_id, period
)
SELECT r.user_id, r.item_id, r.period, r.category_id, r.kind
FROM ranked r
JOIN engaged_counts e ON e.user_id = r.user_id AND e.period = r.period
WHERE (r.kind = 0 AND r.r <= (e.engaged * ${negatives} + 1) / 2)
   OR (r.kind = 1 AND r.r <= (e.engaged * ${negatives}) / 2);
