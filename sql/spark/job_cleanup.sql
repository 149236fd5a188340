-- Spark only: run by `mtlds features --engine spark` after a failed job, so that no database of the job remains.
DROP DATABASE IF EXISTS ${job_database} CASCADE;
