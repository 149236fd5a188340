using System.Diagnostics;
using System.Text.Json;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Cli;

/// `mtlds bench` refuses what it cannot do before it spends minutes on the sections it can.
public sealed class BenchCliTests
{
    private static readonly Dictionary<string, string> NoPostgres = new() { [PostgresTarget.EnvironmentVariable] = "" };

    [Theory]
    [InlineData("--only", "features,bogus", "features, floor, memory, train, score")]
    [InlineData("--models", "mtlds,bogus", "mtlds")]
    public void An_unknown_section_or_model_is_refused_in_one_line_naming_the_choices(string option, string value, string listed)
    {
        var r = MtldsProcess.Run(NoPostgres, "bench", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains(option, r.Stderr);
        Assert.Contains("bogus", r.Stderr);
        Assert.Contains(listed, r.Stderr);
    }

    [Fact]
    public void Score_asked_for_without_PostgreSQL_is_refused_before_any_work()
    {
        var work = TestData.TempDir("bench-nopg");
        try
        {
            var r = MtldsProcess.Run(NoPostgres, "bench", "--only", "features,score", "--work", work);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("--pg", r.Stderr);
            Assert.Empty(Directory.GetFileSystemEntries(work)); // nothing generated, nothing built
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// The memory section trains each shape's two builds in child processes; started through the apphost (what a
    /// crontab calls), the children must start the same way and every figure must come back.
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Memory_bench_measures_both_shapes_in_children_started_through_the_apphost()
    {
        var work = TestData.TempDir("bench-memory");
        try
        {
            var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "mtlds")) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "bench", "--only", "memory", "--events", "20000", "--work", work, "--json" }) psi.ArgumentList.Add(a);
            psi.Environment[PostgresTarget.EnvironmentVariable] = "";
            using var p = Process.Start(psi)!;
            var stderrRead = p.StandardError.ReadToEndAsync();
            var stdout = await p.StandardOutput.ReadToEndAsync();
            await p.WaitForExitAsync();
            var stderr = await stderrRead;
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {stderr}");
            var figures = JsonDocument.Parse(stdout).RootElement;
            foreach (var prefix in new[] { "memory", "memory.no_impressions" })
            {
                Assert.True(figures.GetProperty($"{prefix}.small_samples").GetInt64() < figures.GetProperty($"{prefix}.large_samples").GetInt64(), prefix);
                Assert.True(figures.GetProperty($"{prefix}.small_peak_rss_mb").GetDouble() > 100, prefix); // a real process's peak, read while it ran
                Assert.True(figures.GetProperty($"{prefix}.ratio").GetDouble() > 0.5, prefix);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// Issue 16's yardstick for the build with impressions: its seconds over the floor's, each round a build and
    /// a floor timed one beside the other, the median of the rounds' ratios.
    [Fact]
    [Trait("Category", "Slow")]
    public void The_floor_section_reports_the_build_over_the_floor_paired_round_by_round()
    {
        var work = TestData.TempDir("bench-floor");
        try
        {
            var r = MtldsProcess.Run(NoPostgres, "bench", "--only", "floor", "--events", "20000", "--work", work, "--json");
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");
            var figures = JsonDocument.Parse(r.Stdout).RootElement;
            double F(string key) => figures.GetProperty(key).GetDouble();
            Assert.True(F("features.floor_build_seconds") > 0 && F("features.floor_seconds") > 0, r.Stdout);
            Assert.InRange(F("features.floor_ratio"), F("features.floor_ratio_min"), F("features.floor_ratio_max"));
            Assert.True(F("features.floor_ratio_min") > 0, r.Stdout);
            Assert.Empty(Directory.GetDirectories(Path.Combine(work, "floor"))); // the rounds' builds are removed
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
