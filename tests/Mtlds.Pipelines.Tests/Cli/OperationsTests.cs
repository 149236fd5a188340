using System.Diagnostics;
using System.Globalization;
using Dapper;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Cli;

/// What an operator relies on (docs/operations.md): the documented nightly script, run as cron would run it
/// (the `mtlds` on PATH, output to a log), and a version that names its commit.
[Trait("Category", "Postgres")]
public sealed class OperationsTests(PostgresFixture pg, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    [Trait("Category", "Slow")]
    public void The_nightly_script_runs_twice_the_second_night_appending_a_day_and_pruning_the_first_run()
    {
        var work = TestData.TempDir("nightly");
        try
        {
            // A Taobao-shaped log: the first night has its first eight days, the second night the ninth too.
            var log = Path.Combine(work, "all.csv");
            new TaobaoShapedLogGenerator(new TaobaoShapeOptions { Users = 300, Items = 1200, Categories = 20, Seed = 5 }).Write(log);
            static long Day(string line) => long.Parse(line[(line.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture) / 86400;
            var lines = File.ReadAllLines(log);
            var last = lines.Max(Day);
            var logs = Directory.CreateDirectory(Path.Combine(work, "logs")).FullName;
            File.WriteAllLines(Path.Combine(logs, "days-1-8.csv"), lines.Where(l => Day(l) < last));

            // `mtlds` on PATH, as scripts/install.sh leaves it: a launcher of the apphost.
            var bin = Directory.CreateDirectory(Path.Combine(work, "bin")).FullName;
            File.WriteAllText(Path.Combine(bin, "mtlds"), $"#!/bin/sh\nexec \"{Path.Combine(AppContext.BaseDirectory, "mtlds")}\" \"$@\"\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Path.Combine(bin, "mtlds"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var home = Path.Combine(work, "home");

            var first = Nightly(bin, logs, home, "nightly-1");
            var built = Manifest.Read(Path.Combine(home, "features", "manifest.json"));
            Assert.Equal(8, built.Periods.Count);

            File.WriteAllLines(Path.Combine(logs, "day-9.csv"), lines.Where(l => Day(l) == last));
            var second = Nightly(bin, logs, home, "nightly-2");
            var appended = Manifest.Read(Path.Combine(home, "features", "manifest.json"));
            Assert.Equal(9, appended.Periods.Count);
            Assert.Equal(built.Periods.Select(p => (p.Period, p.Samples)), appended.Periods.Take(8).Select(p => (p.Period, p.Samples)));
            Assert.True(appended.RowsAlreadyBuilt > 0, "the second night counted the first eight days as built");

            foreach (var stdout in new[] { first, second })
            {
                Assert.DoesNotContain('\u001b', stdout); // a log file gets plain text, whatever TERM says
                foreach (var step in new[] { "features", "train", "score", "prune" })
                    Assert.Matches($@"(?m)^nightly: {step}: done in \d+\.\d s$", stdout);
            }
            Assert.Contains("prune: removed run nightly-1 ", second);
            using var conn = pg.DataSource.OpenConnection();
            Assert.Equal(["nightly-2"], conn.Query<string>("SELECT run_id FROM runs").ToList());
            Assert.Equal(appended.Splits["test"].Samples, conn.ExecuteScalar<long>("SELECT count(*) FROM scores WHERE run_id = 'nightly-2'"));
            // AUC, gAUC, log loss per label (3 each), graded and purchase NDCG @5, @10 (2 each)
            Assert.Equal(3 + 3 + 3 + 2 + 2, conn.ExecuteScalar<long>("SELECT count(*) FROM evaluation WHERE run_id = 'nightly-2' AND split = 'test'"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private string Nightly(string bin, string logs, string home, string runId)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "scripts", "nightly.sh"));
        psi.Environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
        psi.Environment["TERM"] = "xterm-256color";
        psi.Environment["MTLDS_EVENTS"] = logs;
        psi.Environment["MTLDS_HOME"] = home;
        psi.Environment["MTLDS_PG"] = PostgresFixture.ServerConnectionString;
        psi.Environment["MTLDS_SCHEMA"] = pg.Schema;
        psi.Environment["MTLDS_EPOCHS"] = "1";
        psi.Environment["MTLDS_KEEP"] = "1";
        psi.Environment["MTLDS_RUN_ID"] = runId;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        output.WriteLine(stdout);
        Assert.True(p.ExitCode == 0, $"nightly {runId}: exit {p.ExitCode}: {stderr.Result}\n{stdout}");
        return stdout;
    }

    [Fact]
    public void Version_names_the_version_and_the_commit_through_the_apphost_and_dotnet_alike()
    {
        var git = new ProcessStartInfo("git") { RedirectStandardOutput = true, WorkingDirectory = RepoPaths.Root };
        git.ArgumentList.Add("rev-parse");
        git.ArgumentList.Add("HEAD");
        using var g = Process.Start(git)!;
        var head = g.StandardOutput.ReadToEnd().Trim();
        g.WaitForExit();

        var apphost = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "mtlds")) { RedirectStandardOutput = true };
        apphost.ArgumentList.Add("--version");
        using var a = Process.Start(apphost)!;
        var fromApphost = a.StandardOutput.ReadToEnd().Trim();
        a.WaitForExit();
        var fromDotnet = MtldsProcess.Run("--version");

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, fromDotnet.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+\+[0-9a-f]{40}$", fromApphost);
        Assert.Equal(fromApphost, fromDotnet.Stdout.Trim());
        Assert.EndsWith("+" + head, fromApphost); // built from this checkout
    }

    /// scripts/install.sh, as the README's one step: a published `mtlds` on PATH whose native libraries load
    /// (the TorchSharp compat fix applied to the published copy on an old libstdc++), training from it.
    [Fact]
    [Trait("Category", "Slow")]
    public void The_installed_command_is_on_PATH_and_trains()
    {
        var work = TestData.TempDir("install");
        try
        {
            var prefix = Path.Combine(work, "prefix");
            var install = Bash(Path.Combine(RepoPaths.Root, "scripts", "install.sh"), ["--prefix", prefix], work);
            Assert.True(install.ExitCode == 0, install.Stderr + install.Stdout);
            Assert.Contains($"installed: {prefix}/bin/mtlds (", install.Stdout);
            var mtlds = Path.Combine(prefix, "bin", "mtlds");
            Assert.Matches(@"^\d+\.\d+\.\d+\+[0-9a-f]{40}$", Bash(mtlds, ["--version"], work).Stdout.Trim());

            var torch = Directory.GetFiles(Path.Combine(prefix, "lib", "mtlds"), "libLibTorchSharp.so", SearchOption.AllDirectories).Single();
            // As build/torchsharp-compat/apply.sh decides: a host libstdc++ without GLIBCXX_3.4.32 needs the shim.
            var libstdcxx = Bash("bash", ["-c", "/sbin/ldconfig -p | awk '/libstdc\\+\\+\\.so\\.6 .*x86-64/ {print $NF; exit}'"], work).Stdout.Trim();
            var hostIsOld = File.ReadAllBytes(libstdcxx).AsSpan().IndexOf("GLIBCXX_3.4.32"u8) < 0;
            if (hostIsOld) Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(torch)!, "libmtlds_glibcxx_shim.so")), "the compat shim beside the published libLibTorchSharp.so");

            var log = Path.Combine(work, "events.csv");
            Assert.Equal(0, Bash(mtlds, ["generate", "--out", log, "--users", "60", "--items", "120", "--periods", "5", "--seed", "3"], work).ExitCode);
            Assert.Equal(0, Bash(mtlds, ["features", "--source", "canonical", "--events", log, "--out", Path.Combine(work, "features")], work).ExitCode);
            var train = Bash(mtlds, ["train", "--data", Path.Combine(work, "features"), "--out", Path.Combine(work, "model"), "--epochs", "1"], work);
            Assert.True(train.ExitCode == 0, train.Stderr);
            Assert.True(File.Exists(Path.Combine(work, "model", "metrics.json")));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static MtldsProcess.Result Bash(string file, string[] args, string workDir)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new MtldsProcess.Result(p.ExitCode, stdout, stderr.Result);
    }
}
