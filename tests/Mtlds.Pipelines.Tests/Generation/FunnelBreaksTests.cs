using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Generation;

/// `mtlds generate --funnel-breaks`: the log itself breaks the funnel (carts without their click, purchases
/// without their cart), and the feature build still gives monotone labels from each sample's deepest behaviour.
public sealed class FunnelBreaksTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("funnel-breaks");
    private static GeneratorOptions Options(double breaks) => new() { Users = 300, Items = 800, Categories = 20, Periods = 5, Seed = 5, FunnelBreaks = breaks };

    /// Per (user, item, day): the behaviours the log holds for it.
    private static Dictionary<(string, string, long), HashSet<string>> Behaviours(string path) =>
        File.ReadLines(path).Skip(1).Select(l => l.Split(','))
            .GroupBy(f => (f[0], f[1], long.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture) / 86_400))
            .ToDictionary(g => g.Key, g => g.Select(f => f[3]).ToHashSet());

    [Fact]
    public void Breaks_drop_clicks_before_carts_and_carts_before_purchases_and_leave_everything_else_as_it_was()
    {
        var clean = Path.Combine(_dir, "clean.csv");
        var broken = Path.Combine(_dir, "broken.csv");
        var a = new SyntheticLogGenerator(Options(0)).Write(clean);
        var b = new SyntheticLogGenerator(Options(0.5)).Write(broken);

        // The same impressions, favs and purchases (the funnel's draws are untouched); fewer clicks and carts.
        Assert.Equal((a.Impressions, a.Favs, a.Purchases), (b.Impressions, b.Favs, b.Purchases));
        Assert.True(b.Clicks < a.Clicks && b.Carts < a.Carts, $"clicks {a.Clicks} → {b.Clicks}, carts {a.Carts} → {b.Carts}");

        static (int CartNoClick, int BuyNoCart) Breaks(Dictionary<(string, string, long), HashSet<string>> log) =>
            (log.Values.Count(s => s.Contains("cart") && !s.Contains("click")), log.Values.Count(s => s.Contains("purchase") && !s.Contains("cart")));
        var (cleanCartNoClick, cleanBuyNoCart) = Breaks(Behaviours(clean));
        var (cartNoClick, buyNoCart) = Breaks(Behaviours(broken));
        Assert.Equal(0, cleanCartNoClick);
        Assert.True(cartNoClick > 0.3 * a.Carts, $"{cartNoClick} carts without a click of {a.Carts}");
        Assert.True(buyNoCart > cleanBuyNoCart + 0.2 * a.Purchases, $"{buyNoCart} purchases without a cart (clean: {cleanBuyNoCart}) of {a.Purchases}");

        // Labels stay monotone: every purchased (user, item, day) is a stage-3 sample with every label set.
        var features = Path.Combine(_dir, "features");
        new FeatureBuilder().Build(new FeatureOptions { Source = "canonical", EventsPath = broken, OutDir = features });
        var purchased = Behaviours(broken).Count(kv => kv.Value.Contains("purchase"));
        var stage3 = new[] { "train", "valid", "test" }.Sum(split => (long)TestData.Rows(features, split, "SELECT count(*) AS n FROM t WHERE stage = 3")[0].L("n"));
        Assert.Equal(purchased, stage3);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
