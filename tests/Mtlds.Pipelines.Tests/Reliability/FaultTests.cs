using System.Diagnostics;
using Dapper;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Reliability;

/// Faults from outside: processes killed mid-write, a full disk, PostgreSQL down or stuck at the start.
/// Each row of docs/reliability.md names its test here or in the class it points to.
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class FaultTests(TrainedModelFixture trained, PostgresFixture pg, ITestOutputHelper output)
    : IClassFixture<TrainedModelFixture>, IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _dir = TestData.TempDir("faults");

    [Fact]
    public async Task A_score_file_killed_mid_write_never_appears_under_its_final_name()
    {
        var file = Path.Combine(_dir, "scores.csv");
        // The temporary file lives for about a second; on a fast or idle machine the poll can miss it and the
        // scorer finish first. Such an attempt proves nothing either way: it is run again (at most five times).
        for (var attempt = 1; ; attempt++)
        {
            using var p = MtldsProcess.Start("score", "--model", trained.Model, "--data", trained.Features, "--split", "train", "--run-id", "k", "--out", file);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (!Directory.EnumerateFiles(_dir, ".scores.csv.*.tmp").Any() && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1)) await Task.Delay(5);
            if (p.HasExited)
            {
                Assert.True(attempt < 5, "scoring ended before it could be killed, five times");
                File.Delete(file);
                continue;
            }
            p.Kill();
            await p.WaitForExitAsync();
            Assert.False(File.Exists(file));
            return;
        }
    }

    [Fact]
    public async Task A_feature_build_killed_mid_way_leaves_no_manifest_so_nothing_reads_it()
    {
        var outDir = Path.Combine(_dir, "features");
        using var p = MtldsProcess.Start("features", "--source", "canonical", "--events", Path.Combine(trained.Dir, "events.csv"), "--out", outDir);
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        while (!(Directory.Exists(outDir) && Directory.EnumerateDirectories(outDir, ".staging-*").Any()) && !p.HasExited && clock.Elapsed < TimeSpan.FromMinutes(1)) await Task.Delay(5);
        await Task.Delay(300);
        Assert.False(p.HasExited, "the build ended before it could be killed");
        p.Kill();
        await p.WaitForExitAsync();
        Assert.False(File.Exists(Path.Combine(outDir, "manifest.json")));
        Assert.Empty(Directory.GetFiles(outDir)); // only the hidden staging folder
        var r = MtldsProcess.Run("train", "--data", outDir, "--out", Path.Combine(_dir, "m"));
        Assert.Equal(3, r.ExitCode);
    }

    [Fact]
    public async Task A_scorer_killed_before_publishing_leaves_its_run_interrupted_not_running()
    {
        var env = new Dictionary<string, string> { [PostgresTarget.EnvironmentVariable] = PostgresFixture.ServerConnectionString };
        var runs = new RunsQueries(new PostgresTarget(PostgresFixture.ServerConnectionString, pg.Schema));
        Assert.DoesNotContain(runs.Runs(), r => r.RunId == "killed"); // also creates the schema's tables
        using var p = MtldsProcess.Start(env, "score", "--model", trained.Model, "--data", trained.Features, "--split", "train",
            "--pg", "--schema", pg.Schema, "--run-id", "killed");
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        using var conn = pg.DataSource.OpenConnection();
        var clock = Stopwatch.StartNew();
        while (conn.ExecuteScalar<string?>("SELECT status FROM runs WHERE run_id = 'killed'") != "running" && !p.HasExited
               && clock.Elapsed < TimeSpan.FromMinutes(1))
            await Task.Delay(5);
        // While its scorer lives, a reader leaves the run alone.
        Assert.Equal("running", runs.Runs().Single(r => r.RunId == "killed").Status);
        Assert.False(p.HasExited, "scoring ended before it could be killed");
        p.Kill();
        await p.WaitForExitAsync();

        // The server ends the killed scorer's session when it sees the socket closed: a moment, not at once.
        clock.Restart();
        while (runs.Status("killed") == "running" && clock.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(50);
        var run = runs.Runs().Single(r => r.RunId == "killed");
        Assert.Equal("failed", run.Status);
        Assert.Equal(RunLiveness.InterruptedError, run.Error);
        Assert.Equal(0, conn.ExecuteScalar<long>("SELECT count(*) FROM scores WHERE run_id = 'killed'"));
        var listed = MtldsProcess.Run(env, "runs", "--pg", "--schema", pg.Schema);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("interrupted", listed.Stdout);
    }

    [Fact]
    public void A_model_folder_whose_save_was_interrupted_is_refused_not_scored()
    {
        var model = Path.Combine(_dir, "model");
        Directory.CreateDirectory(model);
        foreach (var f in Directory.GetFiles(trained.Model)) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
        File.Delete(Path.Combine(model, "metrics.json")); // what a save killed before its last rename leaves
        var r = MtldsProcess.Run("score", "--model", model, "--data", trained.Features, "--run-id", "x", "--out", Path.Combine(_dir, "s.csv"));
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("the model is incomplete", r.Stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "s.csv")));
    }

    [Fact]
    public void A_full_disk_gives_one_line_exit_5_and_no_output_file()
    {
        var mount = Path.Combine(_dir, "tiny");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount);
        try
        {
            var file = Path.Combine(mount, "scores.csv");
            var r = MtldsProcess.Run("score", "--model", trained.Model, "--data", trained.Features, "--split", "train", "--run-id", "full", "--out", file);
            output.WriteLine(r.Stderr);
            Assert.Equal(5, r.ExitCode);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.Contains("disk is full", r.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(mount)); // the temporary file is gone too

            var features = MtldsProcess.Run("features", "--source", "canonical", "--events", Path.Combine(trained.Dir, "events.csv"), "--out", Path.Combine(mount, "f"));
            output.WriteLine(features.Stderr);
            Assert.Equal(5, features.ExitCode);
            Assert.Contains("disk is full", features.Stderr);
            Assert.False(File.Exists(Path.Combine(mount, "f", "manifest.json")));
        }
        finally
        {
            Run("umount", mount);
        }
    }

    [Fact]
    public void PostgreSQL_down_at_the_start_is_retried_with_backoff_then_fails_in_one_line()
    {
        var env = new Dictionary<string, string> { [PostgresTarget.EnvironmentVariable] = "Host=127.0.0.1;Port=1;Username=mtlds;Password=x;Database=mtlds" };
        var clock = Stopwatch.StartNew();
        var r = MtldsProcess.Run(env, "score", "--model", trained.Model, "--data", trained.Features, "--pg", "--run-id", "down");
        output.WriteLine(r.Stderr);
        Assert.Equal(4, r.ExitCode);
        Assert.Contains($"failed {TransientRetry.MaxRetries + 1} time(s) in a row", r.Stderr);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1.5), $"no backoff: {clock.Elapsed}"); // 0.5 + 1 + 2 s, with jitter
    }

    [Fact]
    public void A_locked_runs_table_is_retried_then_fails_cleanly_and_a_rerun_succeeds_once_it_is_free()
    {
        var scoped = new NpgsqlConnectionStringBuilder(PostgresFixture.ServerConnectionString) { Options = "-c lock_timeout=200" };
        var env = new Dictionary<string, string> { [PostgresTarget.EnvironmentVariable] = scoped.ConnectionString };
        string[] args = ["score", "--model", trained.Model, "--data", trained.Features, "--pg", "--schema", pg.Schema, "--run-id", "locked"];
        Assert.Equal(0, MtldsProcess.Run(env, [.. args[..^1], "warm"]).ExitCode); // creates the schema's tables

        using (var holder = pg.DataSource.OpenConnection())
        using (var tx = holder.BeginTransaction())
        {
            holder.Execute("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE", transaction: tx);
            var r = MtldsProcess.Run(env, args);
            output.WriteLine(r.Stderr);
            Assert.Equal(4, r.ExitCode);
            Assert.Contains("run locked", r.Stderr);
            Assert.Contains($"failed {TransientRetry.MaxRetries + 1} time(s) in a row", r.Stderr);
            tx.Rollback();
        }
        using var conn = pg.DataSource.OpenConnection();
        Assert.Equal(0, conn.ExecuteScalar<long>("SELECT count(*) FROM scores WHERE run_id = 'locked'"));
        Assert.Equal(0, MtldsProcess.Run(env, args).ExitCode);
        Assert.Equal(trained.Samples("test"), conn.ExecuteScalar<long>("SELECT count(*) FROM scores WHERE run_id = 'locked'"));
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({err.Trim()}); the disk-full test needs root to mount a tmpfs");
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
