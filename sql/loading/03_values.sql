-- Portable: the ids and times of the mapped rows, parsed as the C# parsers parse them (Sources/FieldParsers.cs),
-- and each row's reason in their order: the line's shape, unknown_behavior, then the ids (bad_id) and the time
-- (bad_timestamp) in the source's order. Ids: bare digits within BIGINT, or a non-negative whole number
-- written as a decimal (123.0) below 9.2e18, never an exponent. Unix seconds: an optional sign and digits
-- within BIGINT; RetailRocket's milliseconds are divided by 1000 rounding toward zero. ISO 8601 in the one
-- grammar FieldParsers.TryIsoOrUnix reads (YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][Z|±HH[:]MM]), turned into Unix
-- seconds by integer arithmetic on the calendar (days from civil), so no time-parser setting is involved.
DROP TABLE IF EXISTS raw_parsed;
CREATE TABLE raw_parsed AS
SELECT file, text, user_id, item_id, category_id, behavior, ts,
       CASE
         WHEN shape IS NOT NULL THEN shape
         WHEN behavior IS NULL THEN 'unknown_behavior'
         WHEN time_checked_first AND ts IS NULL THEN 'bad_timestamp'
         WHEN user_id IS NULL OR item_id IS NULL OR category_id IS NULL THEN 'bad_id'
         WHEN ts IS NULL THEN 'bad_timestamp'
       END AS parse_reason
FROM (
    SELECT file, text, shape, behavior, time_checked_first, user_id, item_id, category_id,
           CASE
             WHEN time_kind = 'unix' THEN unix_seconds
             WHEN time_kind = 'ms' THEN CAST((unix_seconds - unix_seconds % 1000) / 1000 AS BIGINT)
             WHEN regexp_extract(time_text, '^(-?[0-9]+)$', 1) = time_text AND time_text <> '' THEN unix_seconds
             WHEN iso_valid THEN CAST(days * 86400 + hh * 3600 + mi * 60 + ss - offset_seconds AS BIGINT)
           END AS ts
    FROM (
        SELECT *,
               iso_matched AND yr >= 1 AND mo BETWEEN 1 AND 12 AND dd >= 1 AND hh <= 23 AND mi <= 59 AND ss <= 59
                 AND dd <= CASE WHEN mo IN (1, 3, 5, 7, 8, 10, 12) THEN 31 WHEN mo IN (4, 6, 9, 11) THEN 30
                                WHEN (yr % 4 = 0 AND yr % 100 <> 0) OR yr % 400 = 0 THEN 29 ELSE 28 END
                 AND om <= 59 AND oh * 60 + om <= 840 AS iso_valid,
               -- days from 1970-01-01 (H. Hinnant's days_from_civil; the shifted year is never negative here)
               FLOOR(ys / 400) * 146097
                 + (ys - FLOOR(ys / 400) * 400) * 365 + FLOOR((ys - FLOOR(ys / 400) * 400) / 4) - FLOOR((ys - FLOOR(ys / 400) * 400) / 100)
                 + FLOOR((153 * ((mo + 9) % 12) + 2) / 5) + dd - 1 - 719468 AS days
        FROM (
            SELECT *, yr - (CASE WHEN mo <= 2 THEN 1 ELSE 0 END) AS ys,
                   (CASE WHEN osign = '-' THEN -1 ELSE 1 END) * (oh * 3600 + om * 60) AS offset_seconds
            FROM (
                SELECT file, text, shape, behavior, time_checked_first, time_kind, time_text,
                       CASE
             WHEN user_text <> '' AND regexp_extract(user_text, '^([0-9]+)$', 1) = user_text
                  AND (length(regexp_extract(user_text, '^0*([0-9]+)$', 1)) < 19 OR (length(regexp_extract(user_text, '^0*([0-9]+)$', 1)) = 19 AND regexp_extract(user_text, '^0*([0-9]+)$', 1) <= '9223372036854775807'))
               THEN CAST(user_text AS BIGINT)
             WHEN user_text <> '' AND regexp_extract(user_text, '^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))$', 1) = user_text
                  AND CAST(user_text AS DOUBLE) >= 0 AND CAST(user_text AS DOUBLE) < 9.2E18 AND FLOOR(CAST(user_text AS DOUBLE)) = CAST(user_text AS DOUBLE)
               THEN CAST(CAST(user_text AS DOUBLE) AS BIGINT)
           END AS user_id,
                       CASE
             WHEN item_text <> '' AND regexp_extract(item_text, '^([0-9]+)$', 1) = item_text
                  AND (length(regexp_extract(item_text, '^0*([0-9]+)$', 1)) < 19 OR (length(regexp_extract(item_text, '^0*([0-9]+)$', 1)) = 19 AND regexp_extract(item_text, '^0*([0-9]+)$', 1) <= '9223372036854775807'))
               THEN CAST(item_text AS BIGINT)
             WHEN item_text <> '' AND regexp_extract(item_text, '^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))$', 1) = item_text
                  AND CAST(item_text AS DOUBLE) >= 0 AND CAST(item_text AS DOUBLE) < 9.2E18 AND FLOOR(CAST(item_text AS DOUBLE)) = CAST(item_text AS DOUBLE)
               THEN CAST(CAST(item_text AS DOUBLE) AS BIGINT)
           END AS item_id,
                       CASE
             WHEN category_text <> '' AND regexp_extract(category_text, '^([0-9]+)$', 1) = category_text
                  AND (length(regexp_extract(category_text, '^0*([0-9]+)$', 1)) < 19 OR (length(regexp_extract(category_text, '^0*([0-9]+)$', 1)) = 19 AND regexp_extract(category_text, '^0*([0-9]+)$', 1) <= '9223372036854775807'))
               THEN CAST(category_text AS BIGINT)
             WHEN category_text <> '' AND regexp_extract(category_text, '^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))$', 1) = category_text
                  AND CAST(category_text AS DOUBLE) >= 0 AND CAST(category_text AS DOUBLE) < 9.2E18 AND FLOOR(CAST(category_text AS DOUBLE)) = CAST(category_text AS DOUBLE)
               THEN CAST(CAST(category_text AS DOUBLE) AS BIGINT)
           END AS category_id,
                       CASE WHEN time_text <> '' AND regexp_extract(time_text, '^([+-]?[0-9]+)$', 1) = time_text
                                 AND (length(regexp_extract(time_text, '^[+-]?0*([0-9]+)$', 1)) < 19
                                      OR (length(regexp_extract(time_text, '^[+-]?0*([0-9]+)$', 1)) = 19 AND (regexp_extract(time_text, '^[+-]?0*([0-9]+)$', 1) <= '9223372036854775807'
                                                                OR (time_text LIKE '-%' AND regexp_extract(time_text, '^[+-]?0*([0-9]+)$', 1) = '9223372036854775808'))))
                            THEN CAST(time_text AS BIGINT) END AS unix_seconds,
                       time_text <> '' AND regexp_extract(time_text, '(^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$)', 1) = time_text AS iso_matched,
                       CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 1), ''), '0') AS BIGINT) AS yr, CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 2), ''), '0') AS BIGINT) AS mo, CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 3), ''), '0') AS BIGINT) AS dd,
                       CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 4), ''), '0') AS BIGINT) AS hh, CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 5), ''), '0') AS BIGINT) AS mi, CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 6), ''), '0') AS BIGINT) AS ss,
                       substr(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 7), 1, 1) AS osign,
                       CAST(COALESCE(NULLIF(substr(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 7), 2), ''), '0') AS BIGINT) AS oh,
                       CAST(COALESCE(NULLIF(regexp_extract(time_text, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-][0-9]{2}):?([0-9]{2}))?$', 8), ''), '0') AS BIGINT) AS om
                FROM raw_mapped
            ) components
        ) shifted
    ) calendar
) parsed;
