using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Features;

/// The path of every real public log, at the size the issue asks CI to carry: a million Taobao-shaped events
/// (no impressions) generated in Taobao's own file form, read as `--source taobao`, negatives drawn.
[Trait("Category", "Slow")]
public sealed class TaobaoShapedBuildTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("taobao-shaped");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_million_taobao_shaped_events_build_with_the_real_mix_and_counts_that_reconcile()
    {
        var log = Path.Combine(_dir, "events.csv");
        var options = TaobaoShapeOptions.ForEvents(1_000_000);
        var generated = new TaobaoShapedLogGenerator(options).Write(log);
        Assert.InRange(generated.Events, 900_000, 1_100_000);
        Assert.Equal(0, generated.Impressions);
        // The real log's mix: about 89 % pv, 5.5 % cart, 3 % fav, 2 % buy.
        Assert.InRange((double)generated.Clicks / generated.Events, 0.87, 0.91);
        Assert.InRange((double)generated.Carts / generated.Events, 0.045, 0.065);
        Assert.InRange((double)generated.Favs / generated.Events, 0.02, 0.04);
        Assert.InRange((double)generated.Purchases / generated.Events, 0.015, 0.03);
        Assert.DoesNotContain("impression", File.ReadLines(log).First());

        var m = new FeatureBuilder().Build(new FeatureOptions { Source = "taobao", EventsPath = log, OutDir = Path.Combine(_dir, "features") });

        Assert.Equal(generated.Events, m.RowsRead);
        Assert.Equal(m.RowsRead, m.RowsAccepted + m.RowsRejected);
        Assert.Equal(0, m.RowsRejected);
        Assert.Equal(m.RowsAccepted, m.Events + m.DuplicatesDropped);
        Assert.Equal(options.Periods, m.Periods.Count);
        Assert.Equal(4, m.NegativesDrawnPerEngaged);
        var samples = m.Periods.Sum(p => p.Samples);
        var negatives = m.Periods.Sum(p => p.Negatives);
        var engaged = samples - negatives;
        // k = 4 negatives per engaged sample, less the draws the user touched or drew twice.
        Assert.InRange((double)negatives / engaged, 3.5, 4.0);
        Assert.Equal(samples, m.Splits.Values.Sum(s => s.Samples));
        // Many items per user and day: lists of tens of samples, as in the real log.
        Assert.InRange((double)samples / m.Periods.Sum(p => p.Lists), 20, 80);
    }
}
