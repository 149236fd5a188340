-- Spark only: every line of the input files, with its file, for sql/loading to parse as the C# readers do.
-- Spark's text source splits lines at \n, \r\n and \r (as the C# reader's ReadLine does), keeps blank lines,
-- decompresses by the file's extension (.gz) and skips files whose names start with _ or . (as mtlds does).
CREATE OR REPLACE TEMPORARY VIEW raw_text USING text OPTIONS (path '${events}');

CREATE OR REPLACE TEMPORARY VIEW raw_lines AS
SELECT input_file_name() AS file, value FROM raw_text;
