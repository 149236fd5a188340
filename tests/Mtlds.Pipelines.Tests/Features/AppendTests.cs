using System.Globalization;
using System.Text.Json.Nodes;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// A nightly run appends the new periods to a build (`mtlds features --append`): the result must be the full
/// rebuild's, period file for period file, with the same splits and train statistics.
public sealed class AppendTests : IDisposable
{
    private const int ShanghaiOffset = 8 * 3600;
    private readonly string _dir = TestData.TempDir("append");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A real Taobao sample, a Taobao-shaped log (negatives drawn) and a generated log with impressions (whose
    // stored interactions leave out the rows of impressions alone).
    public static TheoryData<string> Logs => new() { "users-full-history-a.csv", "taobao-shaped", "with-impressions" };

    [Theory]
    [MemberData(nameof(Logs))]
    public void Two_nightly_appends_give_the_full_rebuild_file_for_file(string log)
    {
        var events = log switch { "taobao-shaped" => Generated(), "with-impressions" => GeneratedWithImpressions(), _ => RepoPaths.Taobao(log) };
        var impressions = log == "with-impressions";
        FeatureOptions Options(string outDir) => impressions
            ? new FeatureOptions { Source = "canonical", EventsPath = events, OutDir = outDir, RunStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) }
            : TestData.TaobaoOptions(log, outDir) with { EventsPath = events };
        var full = Path.Combine(_dir, "full");
        var built = new FeatureBuilder().Build(Options(full));
        var last = built.Periods[^1].Period;
        Assert.Equal(impressions, built.NegativesDrawnPerEngaged == 0);

        // The log as three nightly deliveries: everything before the last two days, then one day each.
        var parts = Split(events, [last - 1, last], impressions ? 0 : ShanghaiOffset);
        var nightly = Path.Combine(_dir, "nightly");
        new FeatureBuilder().Build(Options(nightly) with { EventsPath = parts[0] });
        new FeatureBuilder().Build(Options(nightly) with { EventsPath = parts[1], Append = true });
        var appended = new FeatureBuilder().Build(Options(nightly) with { EventsPath = parts[2], Append = true });

        Assert.Equal(built.Periods.Select(p => p.Period), appended.Periods.Select(p => p.Period));
        foreach (var p in built.Periods)
            Assert.True(File.ReadAllBytes(Path.Combine(full, p.File)).SequenceEqual(File.ReadAllBytes(Path.Combine(nightly, p.File))),
                $"{p.File} of the appended build differs from the full rebuild's");
        foreach (var split in FeatureBuilder.SplitNames)
        {
            Assert.Equal(TestData.Rows(full, split), TestData.Rows(nightly, split)); // row for row, in order
            var (a, b) = (built.Splits[split], appended.Splits[split]);
            Assert.Equal(a.Files, b.Files);
            Assert.Equal((a.Samples, a.Lists, a.FirstPeriod, a.LastPeriod, a.Negatives), (b.Samples, b.Lists, b.FirstPeriod, b.LastPeriod, b.Negatives));
            Assert.Equal(a.Positives, b.Positives);
        }
        Assert.Equal(built.Features.Count, appended.Features.Count);
        foreach (var (a, b) in built.Features.Zip(appended.Features))
        {
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(a.Log1pMean, b.Log1pMean, 10);
            Assert.Equal(a.Log1pStd, b.Log1pStd, 10);
        }
        // Counts reconcile over the three runs: the same rows, events and rejects as the one full build.
        Assert.Equal(built.RowsRead, appended.RowsRead);
        Assert.Equal(built.RowsAccepted + built.RowsRejected, appended.RowsAccepted + appended.RowsRejected);
        Assert.Equal(built.Events, appended.Events);
        Assert.Equal(built.EventsByBehavior, appended.EventsByBehavior);
        Assert.Equal(built.DuplicatesDropped, appended.DuplicatesDropped);
        Assert.Equal(3, appended.Inputs.Count);
    }

    [Fact]
    public void An_append_given_the_whole_log_again_builds_only_the_new_period_and_counts_the_rest()
    {
        const string log = "users-full-history-a.csv";
        var full = Path.Combine(_dir, "full");
        var built = new FeatureBuilder().Build(TestData.TaobaoOptions(log, full));
        var last = built.Periods[^1].Period;
        var parts = Split(RepoPaths.Taobao(log), [last], ShanghaiOffset);

        var nightly = Path.Combine(_dir, "nightly");
        var first = new FeatureBuilder().Build(TestData.TaobaoOptions(log, nightly) with { EventsPath = parts[0] });
        var appended = new FeatureBuilder().Build(TestData.TaobaoOptions(log, nightly) with { Append = true }); // the whole file again

        Assert.Equal(last, appended.Periods[^1].Period);
        var newPeriod = built.Periods[^1].File;
        Assert.True(File.ReadAllBytes(Path.Combine(full, newPeriod)).SequenceEqual(File.ReadAllBytes(Path.Combine(nightly, newPeriod))));
        Assert.Equal(first.RowsAccepted, appended.RowsAlreadyBuilt); // every accepted row of the first delivery, skipped
        Assert.Equal(appended.RowsRead, appended.RowsAccepted + appended.RowsRejected);
        Assert.Equal(built.Events, appended.Events);
    }

    [Fact]
    public void An_append_with_other_options_or_nothing_new_is_refused_and_leaves_the_build_as_it_was()
    {
        const string log = "users-full-history-b.csv";
        var dir = Path.Combine(_dir, "build");
        new FeatureBuilder().Build(TestData.TaobaoOptions(log, dir));
        var before = File.ReadAllText(Path.Combine(dir, "manifest.json"));

        var seed = Assert.Throws<ConfigurationException>(() => new FeatureBuilder().Build(TestData.TaobaoOptions(log, dir, seed: 7) with { Append = true }));
        Assert.Contains("--seed", seed.Message);
        var nothing = Assert.Throws<InputException>(() => new FeatureBuilder().Build(TestData.TaobaoOptions(log, dir) with { Append = true }));
        Assert.Contains("nothing to append", nothing.Message);
        var empty = Path.Combine(_dir, "empty");
        var none = Assert.Throws<ConfigurationException>(() => new FeatureBuilder().Build(TestData.TaobaoOptions(log, empty) with { Append = true }));
        Assert.Contains("build it first without --append", none.Message);

        Assert.Equal(before, File.ReadAllText(Path.Combine(dir, "manifest.json")));
        Assert.Empty(Directory.GetDirectories(dir, ".staging-*"));
    }

    /// A Taobao-shaped log (no impressions: negatives are drawn in every period) of 300 users over 9 days.
    private string Generated()
    {
        var path = Path.Combine(_dir, "taobao-shaped.csv");
        new TaobaoShapedLogGenerator(new TaobaoShapeOptions { Users = 300, Items = 1200, Categories = 10, Seed = 3 }).Write(path);
        return path;
    }

    /// A generated canonical log with impressions (nothing drawn) of 150 users over 6 days.
    private string GeneratedWithImpressions()
    {
        var path = Path.Combine(_dir, "with-impressions.csv");
        new SyntheticLogGenerator(new GeneratorOptions { Users = 150, Items = 400, Categories = 12, Periods = 6, Seed = 5 }).Write(path);
        return path;
    }

    /// The log's lines cut at the given periods (days at the given UTC offset): part 0 before the first cut, part
    /// i from cut i on. A line that does not parse goes to part 0, where the full build meets it too; a canonical
    /// log's header starts every part.
    private List<string> Split(string events, long[] cuts, int offsetSeconds)
    {
        var writers = Enumerable.Range(0, cuts.Length + 1).Select(i => Path.Combine(_dir, $"part-{i}-{Path.GetFileName(events)}")).ToList();
        var lines = writers.Select(_ => new List<string>()).ToList();
        foreach (var line in File.ReadLines(events))
        {
            if (line.StartsWith("user_id,", StringComparison.Ordinal))
            {
                foreach (var part in lines) part.Add(line);
                continue;
            }
            var fields = line.Split(',');
            var p = 0;
            if (fields.Length == 5 && long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var ts))
                p = cuts.Count(c => (ts + offsetSeconds) / 86_400 >= c);
            lines[p].Add(line);
        }
        for (var i = 0; i < writers.Count; i++) File.WriteAllLines(writers[i], lines[i]);
        return writers;
    }
}
