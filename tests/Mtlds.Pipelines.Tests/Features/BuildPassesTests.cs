using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// On DuckDB a large log is built a group of periods at a time (BuildPasses): a 100M-event log's draws did
/// not fit on disk at once, and its feature tables of every period spilled while each file joined them.
/// Negatives are drawn within a period and every feature reads only periods before its row's, so the build
/// must be the one-pass build, file for file, whatever the grouping.
public sealed class BuildPassesTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("build-passes");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("users-full-history-a.csv", false, false)] // every period a pass of its own
    [InlineData("taobao-shaped", false, false)]
    [InlineData("taobao-shaped", true, false)] // passes of a few periods each
    [InlineData("taobao-shaped", true, true)] // and the tables in a database file (what a log too large for memory gets)
    public void Building_in_period_groups_gives_the_one_pass_build(string log, bool severalPeriodsAPass, bool onDisk)
    {
        var events = log == "taobao-shaped" ? Generated() : RepoPaths.Taobao(log);
        var onePass = Path.Combine(_dir, "one-pass");
        var onePassSteps = new List<string>();
        var built = new FeatureBuilder { OnStep = onePassSteps.Add }.Build(TestData.TaobaoOptions(log, onePass) with { EventsPath = events });
        var grouped = Path.Combine(_dir, "grouped");
        var steps = new List<string>();
        var budget = severalPeriodsAPass ? 3 * built.Periods.Max(p => p.Samples) : 1;
        var byGroups = new FeatureBuilder { SamplesPerPass = budget, TablesOnDisk = onDisk, OnStep = steps.Add }
            .Build(TestData.TaobaoOptions(log, grouped) with { EventsPath = events });

        // A small log is one pass; with the small budget it took several (the steps name them), each drawing,
        // sampling and computing features before writing its own periods' files.
        Assert.DoesNotContain(onePassSteps, s => s.Contains("(periods", StringComparison.Ordinal));
        var passes = steps.Where(s => s.StartsWith("sql/features/03_negatives.sql (periods", StringComparison.Ordinal)).ToList();
        Assert.Equal(passes.Count, steps.Count(s => s.StartsWith("sql/features/09_user_item_features.sql (periods", StringComparison.Ordinal)));
        Assert.InRange(passes.Count, 2, built.Periods.Count);
        if (!severalPeriodsAPass) Assert.Equal(built.Periods.Count, passes.Count);
        else Assert.True(passes.Count < built.Periods.Count, $"{passes.Count} passes for {built.Periods.Count} periods");
        var firstWrite = steps.FindIndex(s => s.StartsWith("writing period=", StringComparison.Ordinal));
        Assert.True(firstWrite < steps.IndexOf(passes[1]), "the first pass's files are written before the second pass starts");

        Assert.True(built.Splits["train"].Negatives > 0);
        foreach (var p in built.Periods)
            Assert.True(File.ReadAllBytes(Path.Combine(onePass, p.File)).SequenceEqual(File.ReadAllBytes(Path.Combine(grouped, p.File))),
                $"{p.File} built in period groups differs from the one-pass build's");
        Assert.Equal(built.Periods.Select(p => (p.Period, p.Samples)), byGroups.Periods.Select(p => (p.Period, p.Samples)));
        Assert.Equal(File.ReadAllText(Path.Combine(onePass, "manifest.json")), File.ReadAllText(Path.Combine(grouped, "manifest.json")));
    }

    [Fact]
    public void The_tables_that_depend_on_the_periods_built_are_made_per_pass_and_the_activity_once()
    {
        var script = SqlScript.Load();
        var plan = BuildPasses.Of(script);
        Assert.Superset(new HashSet<string> { "tickets", "negative_draws", "samples", "user_windows", "user_features", "item_features",
            "category_features", "user_category_sample_keys", "user_category_features", "user_item_pass_activity", "user_item_features", "dataset" },
            plan.PassTables.ToHashSet());
        foreach (var once in new[] { "events", "interactions", "global_prior", "user_activity", "user_firsts", "item_activity",
                     "category_activity", "user_category_activity", "user_category_first_periods", "user_item_first_periods",
                     "draw_slots" }) // the last a constant
            Assert.DoesNotContain(once, plan.PassTables);
        // Every statement of 01/02 runs once, every statement of 10 once per pass.
        var templates = script.Templates().ToList();
        for (var i = 0; i < templates.Count; i++)
        {
            if (templates[i].File is "01_events.sql" or "02_interactions.sql") Assert.DoesNotContain(i, plan.PerPass);
            if (templates[i].File is "10_dataset.sql") Assert.Contains(i, plan.PerPass);
        }
    }

    [Fact]
    public void Passes_are_contiguous_from_the_first_period_and_hold_at_most_the_budget()
    {
        Assert.Equal([(0L, long.MaxValue)], BuildPasses.Group([(0, 10), (1, 10), (2, 10)], 0, 30));
        Assert.Equal([(5L, 6L), (7L, long.MaxValue)], BuildPasses.Group([(5, 10), (6, 10), (7, 10)], 5, 25));
        // A gap in the periods is covered; a period over the budget is a pass of its own.
        Assert.Equal([(3L, 4L), (5L, 8L), (9L, long.MaxValue)], BuildPasses.Group([(4, 5), (8, 100), (9, 1)], 3, 10));
        Assert.Equal([(7L, long.MaxValue)], BuildPasses.Group([], 7, 10));
    }

    private string Generated()
    {
        var path = Path.Combine(_dir, "taobao-shaped.csv");
        new TaobaoShapedLogGenerator(new TaobaoShapeOptions { Users = 600, Items = 2400, Categories = 20, Seed = 5 }).Write(path);
        return path;
    }
}
