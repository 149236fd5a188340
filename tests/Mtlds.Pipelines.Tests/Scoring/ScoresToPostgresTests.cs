using System.Text.Json;
using Dapper;
using Mtlds.Model.Metrics;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Scoring;

/// `mtlds score --pg`, `evaluate` and `runs` against the real server, in this class's own schema.
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
public sealed class ScoresToPostgresTests(PostgresFixture pg, TrainedModelFixture trained, ITestOutputHelper output)
    : IClassFixture<PostgresFixture>, IClassFixture<TrainedModelFixture>
{
    private Dictionary<string, string> Env(string application = "mtlds") => new()
    {
        // The password travels in the environment, never on the command line.
        [PostgresTarget.EnvironmentVariable] = new NpgsqlConnectionStringBuilder(PostgresFixture.ServerConnectionString) { ApplicationName = application }.ConnectionString,
    };

    private string[] Score(string runId, string split = "test") =>
        ["score", "--model", trained.Model, "--data", trained.Features, "--split", split, "--pg", "--schema", pg.Schema, "--run-id", runId];

    private long Count(string runId)
    {
        using var conn = pg.DataSource.OpenConnection();
        return conn.ExecuteScalar<long>("SELECT count(*) FROM scores WHERE run_id = @runId", new { runId });
    }

    private string Status(string runId)
    {
        using var conn = pg.DataSource.OpenConnection();
        return conn.ExecuteScalar<string>("SELECT status FROM runs WHERE run_id = @runId", new { runId })!;
    }

    [Fact]
    public void The_SQL_views_reproduce_the_trainers_metrics_to_1e_9()
    {
        var r = MtldsProcess.Run(Env(), Score("views-1"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("succeeded", Status("views-1"));
        Assert.Equal(trained.Samples("test"), Count("views-1"));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(trained.Model, "metrics.json")));
        var expected = metrics.RootElement.GetProperty("test");
        using var conn = pg.DataSource.OpenConnection();
        var rows = conn.Query<(string Metric, string Label, double? Value)>(
            "SELECT metric, label, value FROM evaluation WHERE run_id = 'views-1' AND split = 'test'").ToList();
        var compared = 0;
        foreach (var metric in SplitMetrics.Names)
            foreach (var v in expected.GetProperty(metric).EnumerateObject())
            {
                var sql = rows.Single(x => x.Metric == metric && x.Label == v.Name).Value;
                output.WriteLine($"{metric} {v.Name}: trainer {v.Value.GetDouble():R}, SQL {sql:R}");
                Assert.NotNull(sql);
                Assert.True(Math.Abs(v.Value.GetDouble() - sql!.Value) <= 1e-9, $"{metric} {v.Name}: trainer {v.Value.GetDouble():R} vs SQL {sql:R}");
                compared++;
            }
        Assert.Equal(3 + 3 + 2 + 2 + 3, compared);

        var evaluate = MtldsProcess.Run(Env(), "evaluate", "--pg", "--schema", pg.Schema, "--run-id", "views-1");
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        Assert.Contains("NDCG@10", evaluate.Stdout);
        Assert.Contains("observed purchase rate", evaluate.Stdout);
        var runs = MtldsProcess.Run(Env(), "runs", "--pg", "--schema", pg.Schema);
        Assert.Contains("views-1", runs.Stdout);
        Assert.Contains("succeeded", runs.Stdout);
    }

    [Fact]
    public async Task Rescoring_a_run_replaces_its_rows_and_concurrent_runs_do_not_mix()
    {
        Assert.Equal(0, MtldsProcess.Run(Env(), Score("again")).ExitCode);
        Assert.Equal(0, MtldsProcess.Run(Env(), Score("again")).ExitCode);
        Assert.Equal(trained.Samples("test"), Count("again"));

        var a = Task.Run(() => MtldsProcess.Run(Env(), Score("together-a")));
        var b = Task.Run(() => MtldsProcess.Run(Env(), Score("together-b", split: "valid")));
        var (ra, rb) = (await a, await b);
        Assert.True(ra.ExitCode == 0, ra.Stderr);
        Assert.True(rb.ExitCode == 0, rb.Stderr);
        Assert.Equal(trained.Samples("test"), Count("together-a"));
        Assert.Equal(trained.Samples("valid"), Count("together-b"));
        await using var conn = await pg.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM scores WHERE run_id = 'together-a' AND split <> 'test'"));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM scores WHERE run_id = 'together-b' AND split <> 'valid'"));

        // Deleting a run deletes its scores (a statement trigger stands in for ON DELETE CASCADE).
        await conn.ExecuteAsync("DELETE FROM runs WHERE run_id = 'again'");
        Assert.Equal(0, Count("again"));
        Assert.Equal(trained.Samples("test"), Count("together-a"));
    }

    [Fact]
    public async Task A_connection_terminated_mid_COPY_publishes_nothing_marks_the_run_failed_and_a_rerun_succeeds()
    {
        var application = "mtlds-fault-" + Guid.NewGuid().ToString("N")[..8];
        using var p = MtldsProcess.Start(Env(application), Score("fault-1", split: "train"));
        _ = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        int terminated;
        using (var admin = new NpgsqlConnection(PostgresFixture.ServerConnectionString))
        {
            admin.Open();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            do
            {
                // Only the COPY's backend: the one whose query is the COPY into the run's new partition.
                terminated = admin.ExecuteScalar<int>("""
                    SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
                    WHERE application_name = @application AND query LIKE 'COPY %scores%_new (run_id%'
                    """, new { application });
                if (terminated == 0) Thread.Sleep(10);
            } while (terminated == 0 && !p.HasExited && waited.Elapsed < TimeSpan.FromMinutes(2));
        }
        await p.WaitForExitAsync();
        var message = (await stderr).Trim();
        output.WriteLine(message);
        Assert.Equal(1, terminated);
        Assert.Equal(4, p.ExitCode);
        Assert.Single(message.Split('\n'));
        Assert.Contains("run fault-1", message);
        Assert.Contains("no row of the run was published", message);
        Assert.DoesNotContain("Password", message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, Count("fault-1"));
        Assert.Equal("failed", Status("fault-1"));

        var rerun = MtldsProcess.Run(Env(), Score("fault-1", split: "train"));
        Assert.True(rerun.ExitCode == 0, rerun.Stderr);
        Assert.Equal(trained.Samples("train"), Count("fault-1"));
        Assert.Equal("succeeded", Status("fault-1"));
    }

    [Theory]
    [InlineData("--run-id", "x'; DROP TABLE runs; --", "is not a valid run id")]
    [InlineData("--run-id", "../../etc", "is not a valid run id")]
    [InlineData("--schema", "mtlds; DROP SCHEMA public", "is not a valid name")]
    [InlineData("--schema", "\"mtlds\"", "is not a valid name")]
    public void Injection_through_run_ids_and_schema_names_is_refused(string option, string value, string reason)
    {
        using (var conn = pg.DataSource.OpenConnection()) new Migrator(new PostgresTarget(PostgresFixture.ServerConnectionString, pg.Schema)).Apply(conn);
        var args = Score("fine").ToList();
        args[args.IndexOf(option) + 1] = value;
        var r = MtldsProcess.Run(Env(), args.ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(reason, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Equal(0, Count("fine"));
    }

    [Fact]
    public void A_file_name_with_quotes_is_read_as_a_name_not_as_SQL()
    {
        var dir = TestData.TempDir("quoted");
        try
        {
            var file = Path.Combine(dir, "it's'); SELECT 1; --.csv");
            Assert.Equal(0, MtldsProcess.Run("score", "--model", trained.Model, "--data", trained.Features, "--run-id", "q", "--out", file).ExitCode);
            var r = MtldsProcess.Run("evaluate", "--scores", file);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("NDCG@10", r.Stdout);
            var missing = MtldsProcess.Run("evaluate", "--scores", Path.Combine(dir, "x'); COPY runs TO '/tmp/x'; --.csv"));
            Assert.Equal(3, missing.ExitCode);
            Assert.Contains("no such score file", missing.Stderr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=1;Username=mtlds;Password=sekret-7f3a;Database=mtlds")]
    [InlineData("Host=127.0.0.1;Username=mtlds;Password=sekret-7f3a;Database=no_such_database_x")]
    [InlineData("Host=127.0.0.1;Username=mtlds;Password=sekret-7f3a;Database=mtlds;Bogus Key=1")]
    public void A_server_that_refuses_gives_one_line_without_the_password(string connectionString)
    {
        var r = MtldsProcess.Run(new Dictionary<string, string> { [PostgresTarget.EnvironmentVariable] = connectionString }, Score("refused"));
        output.WriteLine(r.Stderr);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.StartsWith("mtlds: error: ", r.Stderr);
        Assert.DoesNotContain("sekret-7f3a", r.Stderr + r.Stdout);
    }

    [Fact]
    public void Migrations_apply_once_and_refuse_an_edited_file()
    {
        var target = new PostgresTarget(PostgresFixture.ServerConnectionString, pg.Schema);
        using var conn = target.Open();
        new Migrator(target).Apply(conn);
        Assert.Empty(new Migrator(target).Apply(conn)); // again: nothing to do

        var edited = TestData.TempDir("migrations");
        try
        {
            foreach (var f in Directory.GetFiles(Migrator.DefaultDirectory)) File.Copy(f, Path.Combine(edited, Path.GetFileName(f)));
            var first = Directory.GetFiles(edited).Order(StringComparer.Ordinal).First();
            File.AppendAllText(first, "\n-- edited\n");
            var e = Assert.Throws<ConfigurationException>(() => new Migrator(target, edited).Apply(conn));
            Assert.Contains("changed after it was applied", e.Message);
        }
        finally
        {
            Directory.Delete(edited, true);
        }
    }
}
