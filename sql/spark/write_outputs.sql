-- Spark only: write the build in the layout mtlds features writes: one Hive-style folder per period
-- (periods/period=N/part-*.parquet under --out, the period in the folder name), each period's rows sorted by list
-- (user) and the part files in that order; the rejects; and the counts and options from which
-- `mtlds features --engine spark --finish` derives manifest.json. Splits are chosen from the periods then,
-- as for a DuckDB build. A static overwrite replaces whatever an earlier job left in periods/.
CREATE TABLE periods_out (${period_table_columns}) USING parquet PARTITIONED BY (period)
LOCATION '${out}/periods';

INSERT OVERWRITE TABLE periods_out
SELECT ${period_table_select}, period FROM dataset ORDER BY period, user_id, item_id;

INSERT OVERWRITE DIRECTORY '${out}/rejects' USING csv OPTIONS (header 'true')
SELECT file, reason, text FROM rejects;

INSERT OVERWRITE DIRECTORY '${out}/counts' USING json
SELECT '${source}' AS source, '${events}' AS inputs, '${period}' AS period, ${period_seconds} AS period_seconds,
       '${timezone}' AS timezone, ${tz_offset_seconds} AS tz_offset_seconds, ${seed} AS seed,
       ${requested_negatives} AS negatives, ${negatives} AS negatives_drawn_per_engaged,
       ${valid_periods} AS valid_periods, ${test_periods} AS test_periods, ${alpha} AS alpha,
       '${sql_hash}' AS sql_hash,
       (SELECT COUNT(*) FROM raw_parsed) AS rows_read,
       (SELECT COUNT(*) FROM raw_events) AS rows_accepted,
       (SELECT COUNT(*) FROM rejects) AS rows_rejected,
       (SELECT map_from_entries(collect_list(struct(reason, n)))
        FROM (SELECT reason, COUNT(*) AS n FROM rejects GROUP BY reason) r) AS rejected_by_reason,
       (SELECT COUNT(*) FROM raw_events) - (SELECT COUNT(*) FROM events) AS duplicates_dropped,
       (SELECT COUNT(*) FROM events) AS events,
       (SELECT map_from_entries(collect_list(struct(behavior, n)))
        FROM (SELECT behavior, COUNT(*) AS n FROM events GROUP BY behavior) b) AS events_by_behavior,
       (SELECT COUNT(*) FROM samples) AS samples;
