namespace Mtlds.Pipelines.Generation;

/// Writes a canonical event log *with impressions* from a planted funnel, for tests and benchmarks.
/// Each user has latent factors, a few favourite categories and a purchase propensity; each item a latent
/// vector, a category and a quality. Per period a user sees items (half from favourite categories, half by
/// popularity) and, per impression, clicks with σ(taste + quality + affinity + repeat interest), carts a
/// clicked item with σ(quality + propensity + taste) and buys a carted one with σ(propensity + quality).
/// Rates resemble Taobao's: about 6 carts and 2.5 purchases per 100 clicks; 15 % of purchases log no cart
/// event (bought directly), 3 % of clicks a fav. FunnelBreaks breaks the funnel in the log further (carts
/// without a click, purchases without a cart). The same options give the same bytes.
public sealed class SyntheticLogGenerator(GeneratorOptions options)
{
    private const int Dim = 4;

    public sealed record Result(long Events, long Impressions, long Clicks, long Carts, long Favs, long Purchases);

    public Result Write(string path)
    {
        options.Validate();
        return GeneratedFile.Write(path, Generate);
    }

    private Result Generate(StreamWriter w)
    {
        var o = options;
        var rng = new Random(o.Seed);
        var breaks = new Random(unchecked(o.Seed * 31 + 17)); // its own stream: FunnelBreaks 0 leaves rng's draws as they were
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

        var itemVec = new double[o.Items, Dim];
        var itemQuality = new double[o.Items];
        var itemCategory = new int[o.Items];
        var byCategory = Enumerable.Range(0, o.Categories).Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < o.Items; i++)
        {
            for (var d = 0; d < Dim; d++) itemVec[i, d] = Normal() * 0.7;
            itemQuality[i] = Normal();
            itemCategory[i] = i < o.Categories ? i : rng.Next(o.Categories);
            byCategory[itemCategory[i]].Add(i);
        }
        // Popularity: Zipf over a shuffled item order, as a cumulative table for binary search.
        var order = Enumerable.Range(0, o.Items).ToArray();
        rng.Shuffle(order);
        var cumulative = new double[o.Items];
        var total = 0.0;
        for (var r = 0; r < o.Items; r++) cumulative[r] = total += 1.0 / Math.Pow(r + 1, 0.8);

        var userVec = new double[o.Users, Dim];
        var propensity = new double[o.Users];
        var favourites = new int[o.Users][];
        for (var u = 0; u < o.Users; u++)
        {
            for (var d = 0; d < Dim; d++) userVec[u, d] = Normal() * 0.7;
            propensity[u] = Normal() * 0.8;
            favourites[u] = Enumerable.Range(0, 1 + rng.Next(3)).Select(_ => rng.Next(o.Categories)).Distinct().ToArray();
        }

        w.WriteLine("user_id,item_id,category_id,behavior,ts");
        var clickedBefore = new HashSet<long>();
        var clickedToday = new List<long>();
        long impressions = 0, clicks = 0, carts = 0, favs = 0, purchases = 0;
        var start = o.Start.ToUnixTimeSeconds();
        for (var p = 0; p < o.Periods; p++)
        {
            var periodStart = start + p * 86_400L;
            for (var u = 0; u < o.Users; u++)
            {
                var n = Draws.Poisson(rng, o.ImpressionsPerPeriod);
                var userId = 1_000_000L + u;
                for (var k = 0; k < n; k++)
                {
                    var fav = favourites[u];
                    int item;
                    bool favouriteCategory;
                    if (rng.NextDouble() < 0.5)
                    {
                        var list = byCategory[fav[rng.Next(fav.Length)]];
                        item = list[rng.Next(list.Count)];
                    }
                    else
                    {
                        var x = rng.NextDouble() * total;
                        var r = Array.BinarySearch(cumulative, x);
                        item = order[Math.Min(r < 0 ? ~r : r, o.Items - 1)];
                    }
                    favouriteCategory = Array.IndexOf(fav, itemCategory[item]) >= 0;
                    var taste = 0.0;
                    for (var d = 0; d < Dim; d++) taste += userVec[u, d] * itemVec[item, d];
                    var key = (long)u * o.Items + item;
                    var ts = periodStart + rng.Next(86_400 - 600);
                    var itemId = 5_000_000L + item;
                    var category = 100L + itemCategory[item];
                    Draws.WriteEvent(w, userId, itemId, category, "impression", ts);
                    impressions++;
                    var click = Draws.Sigmoid(-2.4 + 0.9 * taste + 0.6 * itemQuality[item] + (favouriteCategory ? 0.8 : 0)
                        + (clickedBefore.Contains(key) ? 1.2 : 0));
                    if (rng.NextDouble() >= click) continue;
                    // The click is written once it is known whether the funnel goes on (a broken funnel may drop
                    // it); the draws stay in their order, so FunnelBreaks 0 writes what it always wrote.
                    var clickTs = ts += 1 + rng.Next(60);
                    clicks++;
                    clickedToday.Add(key);
                    var favs0 = favs;
                    if (rng.NextDouble() < 0.03) favs++;
                    var carted = rng.NextDouble() < Draws.Sigmoid(-3.1 + 0.7 * itemQuality[item] + 0.9 * propensity[u] + 0.4 * taste);
                    var logsClick = !carted || o.FunnelBreaks <= 0 || breaks.NextDouble() >= o.FunnelBreaks;
                    if (logsClick) Draws.WriteEvent(w, userId, itemId, category, "click", clickTs);
                    else clicks--;
                    if (favs > favs0) Draws.WriteEvent(w, userId, itemId, category, "fav", clickTs + 1);
                    if (!carted) continue;
                    var logsCart = rng.NextDouble() >= 0.15;
                    var buys = rng.NextDouble() < Draws.Sigmoid(-0.7 + 1.1 * propensity[u] + 0.5 * itemQuality[item]);
                    if (logsCart || !buys)
                    {
                        ts += 1 + rng.Next(120); // drawn whether or not a break drops the event
                        if (!buys || o.FunnelBreaks <= 0 || breaks.NextDouble() >= o.FunnelBreaks)
                        {
                            Draws.WriteEvent(w, userId, itemId, category, "cart", ts);
                            carts++;
                        }
                    }
                    if (buys) { Draws.WriteEvent(w, userId, itemId, category, "purchase", ts + 1 + rng.Next(300)); purchases++; }
                }
            }
            foreach (var key in clickedToday) clickedBefore.Add(key);
            clickedToday.Clear();
        }
        return new Result(impressions + clicks + carts + favs + purchases, impressions, clicks, carts, favs, purchases);
    }
}
