-- Portable (Spark and DuckDB): the lines of the raw files, raw_lines(file, value) as the engine reads them
-- (one row per line; Spark's text source splits at \n, \r\n and \r as the C# reader does and keeps blank
-- lines), cut into fields as the C# reader cuts them (Ingestion/CsvLine.cs, RFC 4180: a field is quoted
-- whole, "" standing for a quote, or not at all) and trimmed as C# trims (char.IsWhiteSpace: ${ws}).
-- A line's shape is NULL for a row to parse, else the C# reader's reason, checked in its order:
-- malformed_csv, empty_line, column_count (the format's count of fields). A leading byte order mark is dropped.
-- Regular expressions are written for both engines (RE2 and Java): no backslash escapes in them but \x{…}
-- and \., which Spark passes through because the job sets spark.sql.parser.escapedStringLiterals.
DROP TABLE IF EXISTS raw_fields_all;
CREATE TABLE raw_fields_all AS
SELECT file, text, shape,
       regexp_extract(f0, '^${ws}*((?s:.*?))${ws}*$', 1) AS t0, regexp_extract(f1, '^${ws}*((?s:.*?))${ws}*$', 1) AS t1,
       regexp_extract(f2, '^${ws}*((?s:.*?))${ws}*$', 1) AS t2, regexp_extract(f3, '^${ws}*((?s:.*?))${ws}*$', 1) AS t3,
       regexp_extract(f4, '^${ws}*((?s:.*?))${ws}*$', 1) AS t4, regexp_extract(f5, '^${ws}*((?s:.*?))${ws}*$', 1) AS t5,
       regexp_extract(f6, '^${ws}*((?s:.*?))${ws}*$', 1) AS t6, regexp_extract(f7, '^${ws}*((?s:.*?))${ws}*$', 1) AS t7,
       regexp_extract(f8, '^${ws}*((?s:.*?))${ws}*$', 1) AS t8
FROM (
    SELECT file, text, shape,
           CASE WHEN substr(q0, 1, 1) = '"' THEN replace(substr(q0, 2, length(q0) - 2), '""', '"') ELSE q0 END AS f0,
           CASE WHEN substr(q1, 1, 1) = '"' THEN replace(substr(q1, 2, length(q1) - 2), '""', '"') ELSE q1 END AS f1,
           CASE WHEN substr(q2, 1, 1) = '"' THEN replace(substr(q2, 2, length(q2) - 2), '""', '"') ELSE q2 END AS f2,
           CASE WHEN substr(q3, 1, 1) = '"' THEN replace(substr(q3, 2, length(q3) - 2), '""', '"') ELSE q3 END AS f3,
           CASE WHEN substr(q4, 1, 1) = '"' THEN replace(substr(q4, 2, length(q4) - 2), '""', '"') ELSE q4 END AS f4,
           CASE WHEN substr(q5, 1, 1) = '"' THEN replace(substr(q5, 2, length(q5) - 2), '""', '"') ELSE q5 END AS f5,
           CASE WHEN substr(q6, 1, 1) = '"' THEN replace(substr(q6, 2, length(q6) - 2), '""', '"') ELSE q6 END AS f6,
           CASE WHEN substr(q7, 1, 1) = '"' THEN replace(substr(q7, 2, length(q7) - 2), '""', '"') ELSE q7 END AS f7,
           CASE WHEN substr(q8, 1, 1) = '"' THEN replace(substr(q8, 2, length(q8) - 2), '""', '"') ELSE q8 END AS f8
    FROM (
        SELECT file, text,
               CASE
                 WHEN regexp_extract(text, '^((?:"[^"]*(?:""[^"]*)*"|[^,"]*)(?:,(?:"[^"]*(?:""[^"]*)*"|[^,"]*))*)$', 1) <> text THEN 'malformed_csv'
                 WHEN regexp_extract(text, '^(${ws}*)$', 1) = text THEN 'empty_line'
                 WHEN regexp_extract(text, '^((?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){${columns_minus_one}}(?:"[^"]*(?:""[^"]*)*"|[^,"]*))$', 1) <> text THEN 'column_count'
               END AS shape,
               regexp_extract(text, '^("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q0,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){1}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q1,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){2}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q2,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){3}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q3,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){4}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q4,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){5}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q5,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){6}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q6,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){7}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q7,
               regexp_extract(text, '^(?:(?:"[^"]*(?:""[^"]*)*"|[^,"]*),){8}("[^"]*(?:""[^"]*)*"|[^,"]*)', 1) AS q8
        FROM (SELECT file, regexp_extract(value, '^\x{FEFF}?((?s:.*))$', 1) AS text FROM raw_lines) l
    ) split
) unquoted;

-- The header (formats with one: ${has_header}) is a row whose trimmed fields are the format's names, any
-- case. The C# reader requires it on each file's first line; line order is not known here, so one such row
-- per file is taken as the header and the file's others are data rows (rejected as the C# reader rejects
-- them: their behaviour is a column name). A file without one, or with nothing else, is refused below.
-- Only header rows are numbered: a window over every line would put a whole file in one task on Spark.
DROP TABLE IF EXISTS raw_fields;
CREATE TABLE raw_fields AS
SELECT file, text, shape, t0, t1, t2, t3, t4, t5, t6, t7, t8
FROM (SELECT *, ${has_header} AND shape IS NULL
                AND lower(concat_ws(',', t0, t1, t2, t3, t4, t5, t6, t7, t8)) = '${header_fields}' AS is_header
      FROM raw_fields_all) d
WHERE NOT is_header
UNION ALL
SELECT file, text, shape, t0, t1, t2, t3, t4, t5, t6, t7, t8
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY file ORDER BY text) AS header_rank
      FROM raw_fields_all
      WHERE ${has_header} AND shape IS NULL
            AND lower(concat_ws(',', t0, t1, t2, t3, t4, t5, t6, t7, t8)) = '${header_fields}') h
WHERE header_rank > 1;

DROP TABLE IF EXISTS raw_files;
CREATE TABLE raw_files AS
SELECT file, COUNT(*) AS lines,
       SUM(CASE WHEN ${has_header} AND shape IS NULL
                     AND lower(concat_ws(',', t0, t1, t2, t3, t4, t5, t6, t7, t8)) = '${header_fields}' THEN 1 ELSE 0 END) AS header_lines
FROM raw_fields_all
GROUP BY file;
