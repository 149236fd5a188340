-- Canonical events with exact duplicates dropped, each stamped with its period.
-- Input: raw_events(user_id, item_id, category_id, behavior, ts), loaded by the engine-specific step.
-- Periods are integer arithmetic on Unix seconds: ${tz_offset_seconds} shifts UTC to the local day,
-- ${period_seconds} is 86400 for days, 3600 for hours. An append builds the periods from ${first_period} on
-- (0 in a full build): events of earlier periods are already in the build.
DROP TABLE IF EXISTS events;
CREATE TABLE events AS
SELECT user_id, item_id, category_id, behavior, ts, period
FROM (SELECT user_id, item_id, category_id, behavior, ts,
             CAST(FLOOR((ts + ${tz_offset_seconds}) / ${period_seconds}) AS BIGINT) AS period
      FROM (SELECT DISTINCT user_id, item_id, category_id, behavior, ts FROM raw_events) deduplicated) stamped
WHERE period >= ${first_period};
