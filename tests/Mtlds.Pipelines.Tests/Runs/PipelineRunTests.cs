using System.Text.Json;
using Dapper;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Runs;

/// `mtlds run` end to end into the test PostgreSQL, and its config handling.
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
public sealed class PipelineRunTests(PostgresFixture pg, ITestOutputHelper output) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _dir = TestData.TempDir("run");

    private Dictionary<string, string> Env => new() { [PostgresTarget.EnvironmentVariable] = PostgresFixture.ServerConnectionString };

    [Fact]
    public void Run_builds_trains_scores_into_postgres_and_evaluates_then_skips_what_is_unchanged()
    {
        var events = Path.Combine(_dir, "events.csv");
        new SyntheticLogGenerator(new GeneratorOptions { Users = 600, Items = 1500, Categories = 30, Periods = 5, Seed = 4 }).Write(events);
        var outDir = Path.Combine(_dir, "out");
        string[] args = ["run", "--source", "canonical", "--events", events, "--pg", "--set", "train.epochs=2", "--set", "train.buckets=20000",
            "--set", $"score.schema={pg.Schema}", "--out", outDir];

        var first = MtldsProcess.Run(Env, args);
        output.WriteLine(first.Stdout);
        Assert.True(first.ExitCode == 0, first.Stderr);

        using var conn = pg.DataSource.OpenConnection();
        var run = conn.QuerySingle<(string RunId, string Status, long Rows)>("SELECT run_id, status, rows FROM runs");
        Assert.Equal("succeeded", run.Status);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "features", "manifest.json")));
        var testSamples = manifest.RootElement.GetProperty("splits").GetProperty("test").GetProperty("samples").GetInt64();
        Assert.Equal(testSamples, run.Rows);
        Assert.Equal(testSamples, conn.ExecuteScalar<long>("SELECT count(*) FROM scores WHERE run_id = @r", new { r = run.RunId }));

        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "model", "metrics.json"))).RootElement.GetProperty("test");
        foreach (var (metric, label) in new[] { ("auc", "purchase"), ("auc", "click"), ("gauc", "purchase"), ("ndcg", "10"), ("logloss", "cart") })
        {
            var sql = conn.ExecuteScalar<double>("SELECT value FROM evaluation WHERE run_id = @r AND split = 'test' AND metric = @metric AND label = @label",
                new { r = run.RunId, metric, label });
            Assert.True(Math.Abs(metrics.GetProperty(metric).GetProperty(label).GetDouble() - sql) <= 1e-9, $"{metric} {label}");
        }
        Assert.Contains("NDCG@10", first.Stdout);
        Assert.Contains($"run {run.RunId}", first.Stdout);

        var second = MtldsProcess.Run(Env, args);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("features: skipped", second.Stdout);
        Assert.Contains("train: skipped", second.Stdout);
        Assert.Contains("score: skipped", second.Stdout);
        Assert.Equal(1, conn.ExecuteScalar<long>("SELECT count(*) FROM runs"));

        // A changed training setting retrains and rescores, but keeps the features.
        var third = MtldsProcess.Run(Env, [.. args, "--set", "train.tau=0.5"]);
        Assert.True(third.ExitCode == 0, third.Stderr);
        Assert.Contains("features: skipped", third.Stdout);
        Assert.DoesNotContain("train: skipped", third.Stdout);
        Assert.Equal(2, conn.ExecuteScalar<long>("SELECT count(*) FROM runs"));
    }

    [Theory]
    [InlineData("train:\n  epochz: 3\n", "unknown key 'train.epochz'")]
    [InlineData("trian:\n  epochs: 3\n", "unknown section 'trian'")]
    [InlineData("train:\n  epochs: three\n", "train.epochs")]
    [InlineData("train:\n  tau: -1\n", "tau -1 must be positive")]
    [InlineData("train:\n  model: lightgbm\n  leaves: 1\n", "leaves at least 2")]
    [InlineData("score:\n  schema: \"a;drop\"\n", "score.schema 'a;drop' is not a valid name")]
    public void A_bad_config_fails_with_one_line_naming_the_key(string yaml, string expected)
    {
        var config = Path.Combine(_dir, "bad.yaml");
        File.WriteAllText(config, "features:\n  source: canonical\n  events: x.csv\n" + yaml);
        var r = MtldsProcess.Run("config", "show", "--config", config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void Config_show_prints_every_key_with_file_values_and_overrides_on_top()
    {
        var config = Path.Combine(_dir, "good.yaml");
        File.WriteAllText(config, "features:\n  source: taobao\n  negatives: 2\ntrain:\n  tau: 0.3\n  labels: [click, purchase]\n");
        var r = MtldsProcess.Run("config", "show", "--config", config, "--set", "train.tau=0.7", "--set", "score.split=valid");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("source: taobao", r.Stdout);
        Assert.Contains("negatives: 2", r.Stdout);
        Assert.Contains("tau: 0.7", r.Stdout);
        Assert.Contains("split: valid", r.Stdout);
        Assert.Contains("learning_rate: 0.001", r.Stdout); // a default
        Assert.Contains("boosting_rounds: 2000", r.Stdout); // LightGBM's, in the same section
        Assert.Contains("- purchase", r.Stdout);
        Assert.DoesNotContain("- cart", r.Stdout);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
