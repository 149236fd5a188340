using System.Globalization;
using System.Text.Json;
using Dapper;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Training;

/// `--model lightgbm`: per-task boosted trees on the same feature build, through `mtlds train`, `score`,
/// `evaluate` and `--pg`, scored by the same rules as the networks (seeds and saving: BoostedTreesTests).
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
public sealed class LightGbmBaselineTests(PostgresFixture pg, TrainedModelFixture trained, ITestOutputHelper output)
    : IClassFixture<PostgresFixture>, IClassFixture<TrainedModelFixture>
{
    private string Train(int seed)
    {
        var dir = TestData.TempDir($"lightgbm-{seed}");
        var r = MtldsProcess.Run("train", "--model", "lightgbm", "--data", trained.Features, "--out", dir, "--seed", seed.ToString(CultureInfo.InvariantCulture));
        Assert.True(r.ExitCode == 0, r.Stderr);
        output.WriteLine(r.Stdout);
        return dir;
    }

    private static JsonElement Test(string model) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "metrics.json"))).RootElement.GetProperty("test");

    [Fact]
    public void The_boosting_options_reach_the_trees_and_the_saved_config()
    {
        var dir = TestData.TempDir("lightgbm-options");
        try
        {
            var r = MtldsProcess.Run("train", "--model", "lightgbm", "--data", trained.Features, "--out", dir,
                "--boosting-rounds", "4", "--boosting-patience", "2", "--boosting-learning-rate", "0.2", "--leaves", "5");
            Assert.True(r.ExitCode == 0, r.Stderr);
            var saved = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json"))).RootElement.GetProperty("model");
            Assert.Equal(4, saved.GetProperty("boosting_rounds").GetInt32());
            Assert.Equal(2, saved.GetProperty("boosting_patience").GetInt32());
            Assert.Equal(0.2, saved.GetProperty("boosting_learning_rate").GetDouble());
            Assert.Equal(5, saved.GetProperty("leaves").GetInt32());
            // At most 4 trees a task, three tasks: the run reports the trees it grew.
            var grown = System.Text.RegularExpressions.Regex.Match(r.Stdout, @"boosted (\d+) trees");
            Assert.True(grown.Success, r.Stdout);
            Assert.InRange(int.Parse(grown.Groups[1].Value, CultureInfo.InvariantCulture), 3, 12);
            var bad = MtldsProcess.Run("train", "--model", "lightgbm", "--data", trained.Features, "--out", dir + "-bad", "--leaves", "1");
            Assert.Equal(2, bad.ExitCode);
            Assert.Contains("leaves at least 2", bad.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LightGBM_trains_scores_and_evaluates_through_the_CLI_and_PostgreSQL_with_the_same_numbers()
    {
        var model = Train(seed: 1);
        try
        {
            Assert.All(new[] { "click", "cart", "purchase" }, t => Assert.True(File.Exists(Path.Combine(model, $"lightgbm-{t}.zip")), t));
            var test = Test(model);
            var auc = test.GetProperty("auc").GetProperty("purchase").GetDouble();
            Assert.True(auc > 0.6, $"test purchase AUC {auc}: the trees learned nothing"); // the planted funnel is learnable

            // The score file: its score is the sum of the task probabilities (the protocol's rule), and
            // `evaluate --scores` gives metrics.json's numbers.
            var file = Path.Combine(model, "scores.csv");
            var score = MtldsProcess.Run("score", "--model", model, "--data", trained.Features, "--split", "test", "--out", file);
            Assert.True(score.ExitCode == 0, score.Stderr);
            var lines = File.ReadAllLines(file);
            var header = lines[0].Split(',').ToList();
            foreach (var line in lines.Skip(1).Take(500))
            {
                var f = line.Split(',');
                double V(string c) => double.Parse(f[header.IndexOf(c)], CultureInfo.InvariantCulture);
                Assert.Equal(V("p_click") + V("p_cart") + V("p_purchase"), V("score"), 9);
            }
            var evaluate = MtldsProcess.Run("evaluate", "--scores", file);
            Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
            Assert.Contains(auc.ToString("F4", CultureInfo.InvariantCulture), evaluate.Stdout);

            // Published to PostgreSQL: the metrics computed there are metrics.json's.
            var env = new Dictionary<string, string> { [PostgresTarget.EnvironmentVariable] = PostgresFixture.ServerConnectionString };
            var published = MtldsProcess.Run(env, "score", "--model", model, "--data", trained.Features, "--split", "test", "--pg", "--schema", pg.Schema, "--run-id", "lightgbm-1");
            Assert.True(published.ExitCode == 0, published.Stderr);
            using var conn = pg.DataSource.OpenConnection();
            var rows = conn.Query<(string Metric, string Label, double? Value)>(
                "SELECT metric, label, value FROM evaluation WHERE run_id = 'lightgbm-1' AND split = 'test'").ToList();
            Assert.Equal("lightgbm", conn.ExecuteScalar<string>("SELECT model FROM runs WHERE run_id = 'lightgbm-1'"));
            foreach (var metric in new[] { "auc", "gauc", "ndcg", "ndcg_purchase", "logloss" })
                foreach (var v in test.GetProperty(metric).EnumerateObject())
                {
                    var sql = rows.Single(x => x.Metric == metric && x.Label == v.Name).Value;
                    Assert.True(sql is { } s && Math.Abs(s - v.Value.GetDouble()) <= 1e-9, $"{metric} {v.Name}: metrics.json {v.Value.GetDouble():R}, SQL {sql:R}");
                }
        }
        finally
        {
            Directory.Delete(model, recursive: true);
        }
    }
}
