using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Cli;

/// `mtlds features` and `mtlds generate` as a scheduler or a person runs them.
public sealed class FeaturesCliTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("cli");

    [Fact]
    public void Help_shows_an_example()
    {
        var r = MtldsProcess.Run("features", "--help");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Example:", r.Stdout);
        Assert.Contains("--negatives", r.Stdout);
    }

    [Fact]
    public void A_missing_option_exits_2_with_one_line_naming_it()
    {
        var r = MtldsProcess.Run("features", "--events", "x.csv", "--out", _dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("mtlds: error: --source is required (taobao, retailrocket, rees46, canonical)", r.Stderr.Trim());
    }

    [Fact]
    public void Unreadable_input_exits_3_with_one_line_naming_the_file_and_no_stack_trace()
    {
        var empty = Path.Combine(_dir, "empty.csv");
        File.WriteAllText(empty, "");
        var r = MtldsProcess.Run("features", "--source", "taobao", "--events", empty, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(3, r.ExitCode);
        Assert.Equal($"mtlds: error: {empty}: the file is empty", r.Stderr.Trim());
    }

    [Fact]
    public void An_unknown_config_key_exits_2_naming_the_key()
    {
        var config = Path.Combine(_dir, "mtlds.yaml");
        File.WriteAllText(config, "features:\n  source: taobao\n  negativs: 3\n");
        var r = MtldsProcess.Run("features", "--config", config, "--events", "x", "--out", _dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown key 'features.negativs'", r.Stderr);
    }

    [Fact]
    public void Settings_come_from_the_config_file_and_options_override_them()
    {
        var config = Path.Combine(_dir, "mtlds.yaml");
        File.WriteAllText(config, $"""
            features:
              source: taobao
              events: {RepoPaths.Taobao("users-full-history-b.csv")}
              timezone: Asia/Shanghai
              from: 2017-11-24T16:00:00Z
              to: 2017-12-03T16:00:00Z
              negatives: 2
              seed: 5
            """);
        var outDir = Path.Combine(_dir, "out");
        var r = MtldsProcess.Run("features", "--config", config, "--negatives", "3", "--out", outDir);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("rows read", r.Stdout);
        var m = Manifest.Read(Path.Combine(outDir, "manifest.json"));
        Assert.Equal(3, m.Negatives);
        Assert.Equal(5, m.Seed);
        Assert.Equal(28800, m.TzOffsetSeconds);
        Assert.Equal(File.ReadLines(RepoPaths.Taobao("users-full-history-b.csv")).Count(), m.RowsRead);
    }

    [Fact]
    public void One_config_file_serves_features_and_run_alike()
    {
        var outDir = Path.Combine(_dir, "from-config");
        var config = Path.Combine(_dir, "shared.yaml");
        File.WriteAllText(config, $"""
            features:
              source: taobao
              events: {RepoPaths.Taobao("users-full-history-b.csv")}
              timezone: Asia/Shanghai
              out: {outDir}
              alpha: 5
            train:
              epochs: 2
            """ + "\n");
        var shown = MtldsProcess.Run("config", "show", "--config", config);
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        Assert.Contains($"out: {outDir}", shown.Stdout);

        var r = MtldsProcess.Run("features", "--config", config); // --out comes from the file
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(outDir, "manifest.json")));

        File.AppendAllText(config, "  epochz: 3\n"); // a typo in a section `features` does not use still fails
        var bad = MtldsProcess.Run("features", "--config", config);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("unknown key 'train.epochz'", bad.Stderr);
    }

    [Fact]
    public void Generate_writes_the_same_bytes_for_a_seed_and_a_funnel_like_Taobao()
    {
        string Gen(string name, int seed)
        {
            var path = Path.Combine(_dir, name);
            var r = MtldsProcess.Run("generate", "--out", path, "--users", "300", "--items", "800", "--periods", "4", "--seed", seed.ToString());
            Assert.True(r.ExitCode == 0, r.Stderr);
            return path;
        }
        var a = Gen("a.csv", 3);
        var b = Gen("b.csv", 3);
        var c = Gen("c.csv", 4);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));

        var counts = File.ReadLines(a).Skip(1).GroupBy(l => l.Split(',')[3]).ToDictionary(g => g.Key, g => (double)g.Count());
        // Taobao's samples: about 6 carts and 2.3 purchases per 100 page views.
        Assert.InRange(counts["cart"] / counts["click"], 0.04, 0.14);
        Assert.InRange(counts["purchase"] / counts["click"], 0.015, 0.08);
        Assert.InRange(counts["click"] / counts["impression"], 0.08, 0.35);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
