-- Spark only: the settings the shared SQL relies on, set in the script so that no --conf can change them,
-- and the job's own database. Every table the job creates lives in a database named for this job and
-- located under --out; job_end.sql drops it (and `mtlds features --engine spark` drops it when the job
-- fails): no table of anyone else's is read, replaced or dropped, and two jobs can run at once.
SET spark.sql.ansi.enabled=false;
SET spark.sql.session.timeZone=UTC;
SET spark.sql.legacy.createHiveTableByDefault=false;
SET spark.sql.sources.partitionOverwriteMode=static;
SET spark.sql.variable.substitute=false;
SET spark.sql.parser.escapedStringLiterals=true;

CREATE DATABASE ${job_database} LOCATION '${out}/_job-${job_id}';
USE ${job_database};
