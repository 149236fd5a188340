-- Spark only: the job's database goes with everything in it. The period table's files stay: it is external
-- (its LOCATION is under --out), so dropping it drops its definition only.
USE default;
DROP DATABASE ${job_database} CASCADE;
