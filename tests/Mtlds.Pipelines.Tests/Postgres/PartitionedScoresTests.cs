using System.Globalization;
using Dapper;
using Mtlds.Model.Metrics;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Postgres;

/// `scores` partitioned by run (sql/postgres/0003): publishing, replacing and pruning a run is attaching and
/// dropping its partition; the views compute from the partitions; an existing table migrates without
/// losing a row. Against the real server, in this class's own schema. Runs alone: the prune's second of SQL
/// is a timing, and other classes publishing (each publish computes its metrics on both cores) disturb it.
[Collection(nameof(Features.TimedAlone))]
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
public sealed class PartitionedScoresTests(PostgresFixture pg, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private PostgresTarget Target => new(PostgresFixture.ServerConnectionString, pg.Schema);

    private void Publish(string runId, long rows, int seed, string split = "test")
    {
        using var sink = new PostgresScoreSink(Target, new RunRegistration(runId, "mtlds", "{}", "test-data", null), split);
        foreach (var batch in ScoreSinkBenchmark.SyntheticBatches(rows, seed)) sink.Write(runId, split, batch);
        sink.Complete();
    }

    private long Scalar(string sql, object? args = null)
    {
        using var conn = pg.DataSource.OpenConnection();
        return conn.ExecuteScalar<long>(sql, args);
    }

    [Fact]
    public void Thirty_runs_published_twenty_pruned_in_under_a_second_of_SQL_leaving_no_dead_tuples_in_scores()
    {
        for (var i = 0; i < 30; i++) Publish($"prune-{i:D2}", 100_000, seed: i);
        Assert.Equal(30, Scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'scores'::regclass"));
        Assert.Equal(3_000_000, Scalar("SELECT count(*) FROM scores"));

        // A dry run lists the twenty oldest and removes nothing.
        var dry = MtldsProcess.Run(Env(), "runs", "prune", "--pg", "--schema", pg.Schema, "--keep", "10", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains("dry run, would remove 20 runs, 2,000,000 score rows", dry.Stdout);
        Assert.Contains("would remove run prune-00 ", dry.Stdout);
        Assert.Contains("would remove run prune-19 ", dry.Stdout);
        Assert.DoesNotContain("prune-20 ", dry.Stdout);
        Assert.Equal(30, Scalar("SELECT count(*) FROM runs"));

        var prune = MtldsProcess.Run(Env(), "runs", "prune", "--pg", "--schema", pg.Schema, "--keep", "10");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        output.WriteLine(prune.Stdout);
        var summary = prune.Stdout.Split('\n').Single(l => l.StartsWith("prune: removed 20 runs", StringComparison.Ordinal));
        var seconds = double.Parse(summary.Split(" in ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(seconds < 1.0, summary);
        Assert.DoesNotContain('\u001b', prune.Stdout); // redirected: plain text

        // The ten newest remain, whole; the twenty partitions are gone, not emptied.
        Assert.Equal(Enumerable.Range(20, 10).Select(i => $"prune-{i:D2}"),
            Query<string>("SELECT run_id FROM runs ORDER BY run_id"));
        Assert.Equal(10, Scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'scores'::regclass"));
        Assert.Equal(1_000_000, Scalar("SELECT count(*) FROM scores"));
        Assert.Equal(0, Scalar("SELECT count(*) FROM metrics WHERE run_id < 'prune-20'"));
        // No dead tuple in scores: no row of it was deleted, its pruned partitions are gone whole. (The 20 rows
        // deleted from `runs` are vacuumed after the commit, but a VACUUM cannot clear rows that an older
        // snapshot of another session still sees: with other tests running beside this one, they may stay.)
        Assert.Equal(0, Scalar("""
            SELECT coalesce(sum(s.n_dead_tup), 0) + count(*) FILTER (WHERE s.relid IS NULL)
            FROM pg_inherits i LEFT JOIN pg_stat_user_tables s ON s.relid = i.inhrelid
            WHERE i.inhparent = 'scores'::regclass
            """));
    }

    [Fact]
    public void Republishing_a_run_swaps_its_partition_keeps_its_other_splits_and_the_views_give_the_CSharp_metrics()
    {
        Publish("swap", 50_000, seed: 1, split: "valid");
        // COPY FREEZE: every page of a freshly copied partition is all-visible at once (its ANALYZE reads the
        // visibility map), so no VACUUM has anything to do there.
        Assert.Equal(1, Scalar("SELECT count(*) FROM pg_class WHERE relname = score_partition('swap') AND relpages > 0 AND relallvisible = relpages"));
        Publish("swap", 40_000, seed: 2);
        Publish("swap", 30_000, seed: 3); // replaces the test rows, keeps the valid ones
        Assert.Equal(80_000, Scalar("SELECT count(*) FROM scores WHERE run_id = 'swap'"));
        Assert.Equal(30_000, Scalar("SELECT count(*) FROM scores WHERE run_id = 'swap' AND split = 'test'"));
        Assert.Equal(1, Scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'scores'::regclass AND inhrelid::regclass::text LIKE '%' || score_partition('swap')"));
        // Written once, autovacuum leaves the partition alone (it would only analyze it again and hold a lock
        // that a prune's DROP waits for).
        Assert.Equal(1, Scalar("SELECT count(*) FROM pg_class WHERE relname = score_partition('swap') AND 'autovacuum_enabled=off' = ANY(reloptions)"));

        // The views' metrics of both splits are those of the rows now in the partition, computed in C#.
        foreach (var split in new[] { "valid", "test" })
        {
            using var conn = pg.DataSource.OpenConnection();
            var rows = conn.Query<(long User, double P, short Y)>(
                "SELECT user_id, p_purchase, y_purchase FROM scores WHERE run_id = 'swap' AND split = @split ORDER BY user_id, item_id", new { split }).ToList();
            var p = rows.Select(r => r.P).ToArray();
            var y = rows.Select(r => (int)r.Y).ToArray();
            var stored = conn.Query<(string Metric, double Value)>(
                "SELECT metric, value FROM evaluation WHERE run_id = 'swap' AND split = @split AND label = 'purchase'", new { split }).ToDictionary(x => x.Metric, x => x.Value);
            Assert.Equal(Auc.Compute(p, y), stored["auc"], 12);
            Assert.Equal(Auc.Grouped(p, y, rows.Select(r => r.User).ToArray()), stored["gauc"], 12);
        }
        // Deleting the run drops its partition.
        using (var conn = pg.DataSource.OpenConnection()) conn.Execute("DELETE FROM runs WHERE run_id = 'swap'");
        Assert.Equal(0, Scalar("SELECT count(*) FROM pg_class WHERE relname = score_partition('swap')"));
    }

    [Fact]
    public void An_unpartitioned_scores_table_with_runs_in_it_migrates_without_losing_a_row()
    {
        var schema = "test_migrate_" + Guid.NewGuid().ToString("N")[..12];
        var target = new PostgresTarget(PostgresFixture.ServerConnectionString, schema);
        var before = TestData.TempDir("migrations-0002");
        try
        {
            foreach (var f in Directory.GetFiles(Migrator.DefaultDirectory).Where(f => string.CompareOrdinal(Path.GetFileName(f), "0003") < 0))
                File.Copy(f, Path.Combine(before, Path.GetFileName(f)));
            using var conn = target.Open();
            Assert.Equal(["0001_schema", "0002_views"], new Migrator(target, before).Apply(conn));
            // Three runs as the old publisher left them, one with two splits, and a trainer metric.
            conn.Execute($$"""
                INSERT INTO {{schema}}.runs (run_id, model, config, data_manifest_hash, split, status, rows)
                VALUES ('old-a', 'mtlds', '{}', 'h', 'test', 'succeeded', 3000), ('old-b', 'esmm', '{}', 'h', 'test', 'succeeded', 2000),
                       ('old-c', 'mtlds', '{}', 'h', 'test', 'failed', NULL);
                INSERT INTO {{schema}}.scores (run_id, split, user_id, item_id, period, score, p_click, p_cart, p_purchase, y_click, y_cart, y_purchase, stage)
                SELECT r.run_id, s.split, g / 20, g % 20, 17500, (g * 7919 % 1000) / 1000.0, (g * 31 % 997) / 997.0, (g * 17 % 991) / 991.0,
                       (g * 13 % 983) / 983.0, (g % 3 = 0)::int, (g % 7 = 0)::int, (g % 11 = 0)::int,
                       CASE WHEN g % 11 = 0 THEN 3 WHEN g % 7 = 0 THEN 2 WHEN g % 3 = 0 THEN 1 ELSE 0 END
                FROM (VALUES ('old-a', 2000), ('old-b', 2000)) r (run_id, n)
                CROSS JOIN (VALUES ('test'), ('valid')) s (split)
                CROSS JOIN generate_series(1, 1000) g
                WHERE r.run_id = 'old-a' OR s.split = 'test';
                INSERT INTO {{schema}}.metrics (run_id, split, metric, label, value) VALUES ('old-a', 'test', 'auc', 'purchase', 0.5);
                """);
            var counts = conn.Query<(string Run, string Split, long Rows)>($"SELECT run_id, split, count(*) FROM {schema}.scores GROUP BY 1, 2 ORDER BY 1, 2").ToList();
            const string Checksum = "SELECT sum(score::numeric * user_id + p_purchase::numeric * item_id)::text FROM {0}.scores"; // exact, in any order
            var checksum = conn.ExecuteScalar<string>(string.Format(CultureInfo.InvariantCulture, Checksum, schema));
            var oldAuc = conn.ExecuteScalar<double>($"SELECT auc FROM {schema}.auc WHERE run_id = 'old-a' AND split = 'test' AND label = 'purchase'");

            Assert.Equal(["0003_scores_partitioned_by_run", "0004_metrics_at_publish", "0005_purchase_relevance_ndcg", "0006_split_code_sort_keys"], new Migrator(target).Apply(conn));

            Assert.Equal(counts, conn.Query<(string, string, long)>($"SELECT run_id, split, count(*) FROM {schema}.scores GROUP BY 1, 2 ORDER BY 1, 2").ToList());
            Assert.Equal(checksum, conn.ExecuteScalar<string>(string.Format(CultureInfo.InvariantCulture, Checksum, schema)));
            Assert.Equal("p", conn.ExecuteScalar<string>($"SELECT c.relkind::text FROM pg_class c WHERE c.oid = '{schema}.scores'::regclass"));
            Assert.Equal(2, conn.ExecuteScalar<long>($"SELECT count(*) FROM pg_inherits WHERE inhparent = '{schema}.scores'::regclass"));
            // The views give what they gave; the published runs' metrics are computed and stored (0004), the
            // trainer's number kept beside them.
            Assert.Equal(oldAuc, conn.ExecuteScalar<double>($"SELECT auc FROM {schema}.auc WHERE run_id = 'old-a' AND split = 'test' AND label = 'purchase'"), 15);
            Assert.Equal(2, conn.ExecuteScalar<long>($"SELECT count(DISTINCT split) FROM {schema}.evaluation WHERE run_id = 'old-a'"));
            Assert.Equal((oldAuc, 0.5), conn.QuerySingle<(double, double)>(
                $"SELECT value, trainer FROM {schema}.evaluation WHERE run_id = 'old-a' AND split = 'test' AND metric = 'auc' AND label = 'purchase'"));
            // 0005 adds purchase-relevance NDCG (@5, @10) to the runs already published.
            Assert.Equal(3 + 3 + 2 + 2 + 3, conn.ExecuteScalar<long>($"SELECT count(*) FROM {schema}.evaluation WHERE run_id = 'old-b'"));
            Assert.Equal(0, conn.ExecuteScalar<long>($"SELECT count(*) FROM {schema}.evaluation WHERE run_id = 'old-c'"));
        }
        finally
        {
            Directory.Delete(before, recursive: true);
            using var admin = new NpgsqlConnection(PostgresFixture.ServerConnectionString);
            admin.Open();
            admin.Execute($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        }
    }

    /// `mtlds bench --only score --json` reports publishing, the views' evaluation and removing a run.
    [Fact]
    public void The_score_bench_reports_evaluation_and_prune_seconds()
    {
        var work = TestData.TempDir("bench-score");
        try
        {
            var partitions = Scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'scores'::regclass");
            var r = MtldsProcess.Run(Env(), "bench", "--only", "score", "--score-rows", "20000", "--pg", "--schema", pg.Schema, "--work", work, "--json");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var figures = System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement;
            foreach (var key in new[] { "score.pg_rows_per_s", "score.evaluate_seconds", "score.evaluate_rows_per_s", "score.evaluation_read_seconds", "score.slice_by_period_seconds", "score.prune_seconds" })
                Assert.True(figures.GetProperty(key).GetDouble() > 0, key);
            Assert.Equal(0, Scalar("SELECT count(*) FROM runs WHERE run_id LIKE 'bench-%'")); // its runs removed, partitions with them
            Assert.Equal(partitions, Scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'scores'::regclass"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private List<T> Query<T>(string sql)
    {
        using var conn = pg.DataSource.OpenConnection();
        return conn.Query<T>(sql).ToList();
    }

    private static Dictionary<string, string> Env() => new()
    {
        [PostgresTarget.EnvironmentVariable] = PostgresFixture.ServerConnectionString,
        ["TERM"] = "xterm-256color", // what a terminal says; redirected output must stay plain anyway
    };
}
