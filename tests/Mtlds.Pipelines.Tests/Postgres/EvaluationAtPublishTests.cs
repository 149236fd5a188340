using Dapper;
using Mtlds.Model.Metrics;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Scoring;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Postgres;

/// A run's metrics are computed in PostgreSQL when it is published and stored in `metrics` (sql/postgres/0004);
/// `evaluation` reads them, and the `evaluation_by_*` views slice them from the rows. Every number is checked
/// against the trainer's own metric code (Mtlds.Model.Metrics) over the same rows, read back from `scores`.
[Trait("Category", "Postgres")]
public sealed class EvaluationAtPublishTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private PostgresTarget Target => new(PostgresFixture.ServerConnectionString, pg.Schema);

    private sealed record Row(long User, long Item, long Period, long? Category, int? Clicks, double Score,
        double PClick, double PCart, double PPurchase, short Stage);

    /// The benchmark's rows with p and score rounded to two decimals: many ties, which AUC must average and
    /// NDCG must break by item_id.
    private static IEnumerable<ScoredBatch> TiedBatches(long rows, int seed) =>
        ScoreSinkBenchmark.SyntheticBatches(rows, seed).Select(b => b with
        {
            Probabilities = b.Probabilities.Select(p => p.Select(v => Math.Round(v, 2)).ToArray()).ToList(),
            Scores = b.Scores.Select(v => Math.Round(v, 1)).ToArray(),
        });

    private double Publish(string runId, string split, IEnumerable<ScoredBatch> batches, string? trainerMetrics = null)
    {
        using var sink = new PostgresScoreSink(Target, new RunRegistration(runId, "mtlds", "{}", "test-data", trainerMetrics), split);
        foreach (var batch in batches) sink.Write(runId, split, batch);
        sink.Complete();
        return sink.MetricsSeconds;
    }

    private List<Row> Rows(string runId, string split)
    {
        using var conn = pg.DataSource.OpenConnection();
        return conn.Query<Row>("""
            SELECT user_id AS "User", item_id AS Item, period AS Period, category_id AS Category, user_clicks_7p AS Clicks,
                   score AS Score, p_click AS PClick, p_cart AS PCart, p_purchase AS PPurchase, stage AS Stage
            FROM scores WHERE run_id = @runId AND split = @split ORDER BY user_id, period, item_id
            """, new { runId, split }).ToList();
    }

    /// What Mtlds.Model.Metrics says of these rows (in (user, period, item) order: each list contiguous), as
    /// (metric, label) → value, NaN where undefined.
    private static Dictionary<(string, string), double> Expected(IReadOnlyList<Row> rows)
    {
        var users = rows.Select(r => r.User).ToArray();
        var m = SplitMetrics.Compute(ScoreColumns.AllTasks,
            [rows.Select(r => r.PClick).ToArray(), rows.Select(r => r.PCart).ToArray(), rows.Select(r => r.PPurchase).ToArray()],
            rows.Select(r => r.Score).ToArray(), rows.Select(r => (int)r.Stage).ToArray(), users, rows.Select(r => r.Item).ToArray(),
            ListLayout.Ranges(users, rows.Select(r => r.Period).ToArray()));
        var expected = new Dictionary<(string, string), double>();
        foreach (var (metric, label, value) in m.Rows()) expected[(metric, label)] = value;
        return expected;
    }

    private static void AssertEqual(Dictionary<(string, string), double> expected, IEnumerable<(string Metric, string Label, double? Value)> actual, string what)
    {
        var got = actual.ToDictionary(a => (a.Metric, a.Label), a => a.Value);
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (key, value) in expected)
        {
            var sql = got[key];
            if (double.IsNaN(value)) Assert.True(sql is null, $"{what} {key}: C# NaN, SQL {sql:R}");
            else Assert.True(sql is { } v && Math.Abs(v - value) <= 1e-12, $"{what} {key}: C# {value:R}, SQL {sql:R}");
        }
    }

    [Fact]
    public void Publishing_stores_every_metric_of_the_split_beside_the_trainers_and_evaluation_reads_them()
    {
        const string trainer = """{"test": {"auc": {"purchase": 0.75, "click": 0.6}, "ndcg": {"10": 0.5}}}""";
        Publish("stored-1", "valid", TiedBatches(30_000, seed: 4));
        var seconds = Publish("stored-1", "test", TiedBatches(40_000, seed: 5), trainer);
        Assert.True(seconds > 0);

        using var conn = pg.DataSource.OpenConnection();
        foreach (var split in new[] { "valid", "test" })
        {
            var rows = Rows("stored-1", split);
            var stored = conn.Query<(string Metric, string Label, double? Value)>(
                "SELECT metric, label, value FROM evaluation WHERE run_id = 'stored-1' AND split = @split", new { split }).ToList();
            AssertEqual(Expected(rows), stored, split);
            Assert.Equal(rows.Count, conn.ExecuteScalar<long>(
                "SELECT rows FROM evaluation WHERE run_id = 'stored-1' AND split = @split AND metric = 'auc' AND label = 'cart'", new { split }));
        }
        // The trainer's numbers sit beside the computed ones, for the split they were reported for.
        Assert.Equal(new[] { ("auc", "click", 0.6), ("auc", "purchase", 0.75), ("ndcg", "10", 0.5) },
            conn.Query<(string, string, double)>("SELECT metric, label, trainer FROM evaluation WHERE run_id = 'stored-1' AND trainer IS NOT NULL ORDER BY 1, 2"));

        // Stored, not recomputed: rows changed behind the publisher's back do not change evaluation.
        var before = conn.ExecuteScalar<double>("SELECT value FROM evaluation WHERE run_id = 'stored-1' AND split = 'test' AND metric = 'auc' AND label = 'purchase'");
        conn.Execute($"UPDATE {PostgresScoreSink.Partition("stored-1")} SET p_purchase = 1 - p_purchase WHERE split = 'test'");
        Assert.Equal(before, conn.ExecuteScalar<double>("SELECT value FROM evaluation WHERE run_id = 'stored-1' AND split = 'test' AND metric = 'auc' AND label = 'purchase'"));
        Assert.NotEqual(before, conn.ExecuteScalar<double>(
            "SELECT value FROM evaluation_of('all', 'stored-1', 'test') WHERE metric = 'auc' AND label = 'purchase'"));
    }

    /// Each slice is a subset of the split's rows; its metrics are those of the subset as if it were the split.
    [Theory]
    [InlineData("evaluation_by_period", "period")]
    [InlineData("evaluation_by_category", "category_id")]
    [InlineData("evaluation_by_user_activity", "user_clicks_7p")]
    public void The_slicing_views_give_the_trainers_metrics_of_each_slice(string view, string key)
    {
        var run = "slices-" + key.Replace("_", "", StringComparison.Ordinal);
        Publish(run, "test", TiedBatches(20_000, seed: 6));
        var rows = Rows(run, "test");
        Func<Row, string> slice = key switch
        {
            "period" => r => r.Period.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "category_id" => r => r.Category!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => r => r.Clicks switch { 0 => "0", < 10 => "1-9", < 100 => "10-99", _ => "100+" },
        };

        using var conn = pg.DataSource.OpenConnection();
        var got = conn.Query<(string Slice, string Metric, string Label, double? Value)>(
            $"SELECT {key}::text, metric, label, value FROM {view} WHERE run_id = @run AND split = 'test'", new { run }).ToList();
        var groups = rows.GroupBy(slice).ToList();
        Assert.True(groups.Count >= 4, $"{groups.Count} slices");
        Assert.Equal(groups.Select(g => g.Key).Order(StringComparer.Ordinal), got.Select(g => g.Slice).Distinct().Order(StringComparer.Ordinal));
        foreach (var g in groups)
            AssertEqual(Expected(g.ToList()), got.Where(x => x.Slice == g.Key).Select(x => (x.Metric, x.Label, x.Value)), $"{view} {g.Key}");
    }
}
