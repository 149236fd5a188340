-- Portable: the C# reader's time checks (EventIngestor.CheckTime) after parsing, giving every row read its
-- reason or none: raw_events (accepted rows, duplicates still in) and rejects (file, reason, text). Times
-- before 2000-01-01 or after the run's start (${run_start}) are out of range; outside [${from_ts}, ${to_ts})
-- outside the window.
DROP TABLE IF EXISTS raw_checked;
CREATE TABLE raw_checked AS
SELECT file, text, user_id, item_id, category_id, behavior, ts,
       CASE
         WHEN parse_reason IS NOT NULL THEN parse_reason
         WHEN ts < 946684800 OR ts > ${run_start} THEN 'timestamp_out_of_range'
         WHEN ts < ${from_ts} OR ts >= ${to_ts} THEN 'outside_window'
       END AS reason
FROM raw_parsed;

DROP TABLE IF EXISTS raw_events;
CREATE TABLE raw_events AS
SELECT user_id, item_id, category_id, behavior, ts FROM raw_checked WHERE reason IS NULL;

DROP TABLE IF EXISTS rejects;
CREATE TABLE rejects AS
SELECT file, reason, text FROM raw_checked WHERE reason IS NOT NULL;

-- Files the C# reader refuses whole: one without the format's header, one with a header and no data row,
-- one none of whose rows is a row of the format (the wrong --source).
DROP TABLE IF EXISTS file_problems;
CREATE TABLE file_problems AS
SELECT f.file,
       CASE
         WHEN ${has_header} AND f.header_lines = 0 THEN 'no line is the ${source} header ${header}; is --source right?'
         WHEN ${has_header} AND f.lines = 1 THEN 'the file has no data rows'
         ELSE concat('none of its ', COALESCE(p.rows_read, 0), ' rows is a ${source} row; is --source right?')
       END AS problem
FROM raw_files f
LEFT JOIN (SELECT file, COUNT(*) AS rows_read, SUM(CASE WHEN parse_reason IS NULL THEN 1 ELSE 0 END) AS parsed
           FROM raw_parsed GROUP BY file) p ON p.file = f.file
WHERE (${has_header} AND f.header_lines = 0) OR (${has_header} AND f.lines = 1) OR COALESCE(p.parsed, 0) = 0;
