using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// On DuckDB, 03_negatives draws a few periods at a time when a log is large (its draws did not fit on disk at
/// 100M events all at once). Negatives are drawn within a period, so the build must be the one-pass build,
/// file for file, whatever the grouping.
public sealed class NegativesByPeriodTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("negatives-by-period");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("users-full-history-a.csv", 1)] // every period a pass of its own
    [InlineData("taobao-shaped", 1)]
    [InlineData("taobao-shaped", 40_000)] // passes of a few periods each
    public void Drawing_negatives_in_period_groups_gives_the_one_pass_build(string log, long engagedPerPass)
    {
        var events = log == "taobao-shaped" ? Generated() : RepoPaths.Taobao(log);
        var onePass = Path.Combine(_dir, "one-pass");
        var steps = new List<string>();
        var built = new FeatureBuilder().Build(TestData.TaobaoOptions(log, onePass) with { EventsPath = events });
        var grouped = Path.Combine(_dir, "grouped");
        var byGroups = new FeatureBuilder { EngagedPerNegativesPass = engagedPerPass, OnStep = steps.Add }
            .Build(TestData.TaobaoOptions(log, grouped) with { EventsPath = events });

        // It did draw in several passes (the steps name them), and not one per period when a pass holds several.
        var passes = steps.Count(s => s.StartsWith("sql/features/03_negatives.sql (periods", StringComparison.Ordinal));
        Assert.InRange(passes, 2, built.Periods.Count);
        if (engagedPerPass == 1) Assert.Equal(built.Periods.Count, passes);
        else Assert.True(passes < built.Periods.Count, $"{passes} passes for {built.Periods.Count} periods");

        Assert.True(built.Splits["train"].Negatives > 0);
        foreach (var p in built.Periods)
            Assert.True(File.ReadAllBytes(Path.Combine(onePass, p.File)).SequenceEqual(File.ReadAllBytes(Path.Combine(grouped, p.File))),
                $"{p.File} drawn in period groups differs from the one-pass build's");
        Assert.Equal(built.Periods.Select(p => (p.Period, p.Samples)), byGroups.Periods.Select(p => (p.Period, p.Samples)));
    }

    private string Generated()
    {
        var path = Path.Combine(_dir, "taobao-shaped.csv");
        new TaobaoShapedLogGenerator(new TaobaoShapeOptions { Users = 600, Items = 2400, Categories = 20, Seed = 5 }).Write(path);
        return path;
    }
}
