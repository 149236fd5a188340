namespace Mtlds.Pipelines.Generation;

/// Writes a log in Taobao UserBehavior's own file form (no header; `user,item,category,behavior,unix_seconds`
/// with pv, cart, fav, buy) and shape: no impressions, Zipf item popularity, about a hundred events and tens
/// of items per user, repeat views, the real behaviour mix (about 89 % pv, 5.5 % cart, 3 % fav, 2 % buy).
/// Real public logs look like this, so it is what benchmarks of the negative-sampling path read.
/// A funnel is planted as in SyntheticLogGenerator: users and items have latent vectors, items a quality,
/// users a propensity; a view carts with σ(quality + propensity + taste) and a cart is bought with
/// σ(propensity + quality); some purchases log no cart event. Users are written one after the other (the
/// real file is grouped by user too). The same options give the same bytes.
public sealed class TaobaoShapedLogGenerator(TaobaoShapeOptions options)
{
    private const int Dim = 4;

    public SyntheticLogGenerator.Result Write(string path)
    {
        options.Validate();
        return GeneratedFile.Write(path, Generate);
    }

    private SyntheticLogGenerator.Result Generate(StreamWriter w)
    {
        var o = options;
        var rng = new Random(o.Seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

        // Items: float vectors (4M items × 4 × 4 bytes = 64 MB at the real log's size).
        var itemVec = new float[(long)o.Items * Dim];
        var itemQuality = new float[o.Items];
        var itemCategory = new int[o.Items];
        var categoryCount = new int[o.Categories];
        for (var i = 0; i < o.Items; i++)
        {
            for (var d = 0; d < Dim; d++) itemVec[(long)i * Dim + d] = (float)(Normal() * 0.7);
            itemQuality[i] = (float)Normal();
            itemCategory[i] = i < o.Categories ? i : rng.Next(o.Categories);
            categoryCount[itemCategory[i]]++;
        }
        // Items of each category, contiguous (CSR layout: one array instead of a list per category).
        var categoryStart = new int[o.Categories + 1];
        for (var c = 0; c < o.Categories; c++) categoryStart[c + 1] = categoryStart[c] + categoryCount[c];
        var byCategory = new int[o.Items];
        var fill = (int[])categoryStart.Clone();
        for (var i = 0; i < o.Items; i++) byCategory[fill[itemCategory[i]]++] = i;
        // Popularity: Zipf over a shuffled item order, as a cumulative table for binary search.
        var order = Enumerable.Range(0, o.Items).ToArray();
        rng.Shuffle(order);
        var cumulative = new double[o.Items];
        var total = 0.0;
        for (var r = 0; r < o.Items; r++) cumulative[r] = total += 1.0 / Math.Pow(r + 1, 0.9);

        long views = 0, carts = 0, favs = 0, purchases = 0;
        var start = o.Start.ToUnixTimeSeconds();
        var userVec = new double[Dim];
        var seen = new List<int>();
        var favourites = new int[4];
        // Log-normal activity with mean EventsPerPeriod: exp(μ + σ²/2) = mean.
        const double activitySigma = 1.0;
        var activityMu = Math.Log(o.EventsPerPeriod / 1.12) - activitySigma * activitySigma / 2;
        for (var u = 0; u < o.Users; u++)
        {
            for (var d = 0; d < Dim; d++) userVec[d] = Normal() * 0.7;
            var propensity = Normal() * 0.8;
            var favouriteCount = 1 + rng.Next(4);
            for (var f = 0; f < favouriteCount; f++) favourites[f] = rng.Next(o.Categories);
            var activity = Math.Exp(activityMu + activitySigma * Normal());
            var userId = 1L + u;
            seen.Clear();
            for (var p = 0; p < o.Periods; p++)
            {
                var periodStart = start + p * 86_400L;
                var n = Draws.Poisson(rng, activity);
                for (var k = 0; k < n; k++)
                {
                    int item;
                    var pick = rng.NextDouble();
                    if (pick < 0.3 && seen.Count > 0) item = seen[rng.Next(seen.Count)];
                    else if (pick < 0.65)
                    {
                        var c = favourites[rng.Next(favouriteCount)];
                        item = byCategory[categoryStart[c] + rng.Next(categoryStart[c + 1] - categoryStart[c])];
                    }
                    else
                    {
                        var r = Array.BinarySearch(cumulative, rng.NextDouble() * total);
                        item = order[Math.Min(r < 0 ? ~r : r, o.Items - 1)];
                    }
                    seen.Add(item);
                    var taste = 0.0;
                    for (var d = 0; d < Dim; d++) taste += userVec[d] * itemVec[(long)item * Dim + d];
                    var ts = periodStart + rng.Next(86_400 - 900);
                    var itemId = 1L + item;
                    var category = 1L + itemCategory[item];
                    Draws.WriteEvent(w, userId, itemId, category, "pv", ts);
                    views++;
                    if (rng.NextDouble() < 0.033) { Draws.WriteEvent(w, userId, itemId, category, "fav", ts + 1 + rng.Next(60)); favs++; }
                    var carted = rng.NextDouble() < Draws.Sigmoid(-3.2 + 0.7 * itemQuality[item] + 0.9 * propensity + 0.5 * taste);
                    if (carted) { Draws.WriteEvent(w, userId, itemId, category, "cart", ts += 1 + rng.Next(300)); carts++; }
                    var buys = carted
                        ? rng.NextDouble() < Draws.Sigmoid(-1.7 + 1.1 * propensity + 0.5 * itemQuality[item])
                        : rng.NextDouble() < 0.004 * Math.Exp(0.8 * propensity + 0.4 * itemQuality[item] + 0.3 * taste);
                    if (buys) { Draws.WriteEvent(w, userId, itemId, category, "buy", ts + 1 + rng.Next(600)); purchases++; }
                }
            }
        }
        return new SyntheticLogGenerator.Result(views + carts + favs + purchases, 0, views, carts, favs, purchases);
    }
}
