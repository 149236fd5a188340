-- Spark only: write the splits in the layout mtlds features writes (each split a folder of Parquet parts,
-- sorted by list), the rejects, and the counts that reconcile rows read = accepted + rejected.
INSERT OVERWRITE DIRECTORY '${out}/train.parquet' USING parquet
SELECT * FROM dataset WHERE split = 'train' ORDER BY period, user_id, item_id;

INSERT OVERWRITE DIRECTORY '${out}/valid.parquet' USING parquet
SELECT * FROM dataset WHERE split = 'valid' ORDER BY period, user_id, item_id;

INSERT OVERWRITE DIRECTORY '${out}/test.parquet' USING parquet
SELECT * FROM dataset WHERE split = 'test' ORDER BY period, user_id, item_id;

INSERT OVERWRITE DIRECTORY '${out}/rejects' USING csv OPTIONS (header 'true')
SELECT file, reason, text FROM rejects;

INSERT OVERWRITE DIRECTORY '${out}/counts' USING json
SELECT (SELECT COUNT(*) FROM raw_parsed) AS rows_read,
       (SELECT COUNT(*) FROM raw_events) AS rows_accepted,
       (SELECT COUNT(*) FROM rejects) AS rows_rejected,
       (SELECT COUNT(*) FROM raw_events) - (SELECT COUNT(*) FROM events) AS duplicates_dropped,
       (SELECT COUNT(*) FROM samples WHERE split = 'train') AS train_samples,
       (SELECT COUNT(*) FROM samples WHERE split = 'valid') AS valid_samples,
       (SELECT COUNT(*) FROM samples WHERE split = 'test') AS test_samples;
