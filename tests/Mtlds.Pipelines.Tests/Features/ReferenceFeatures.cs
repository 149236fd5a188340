namespace Mtlds.Pipelines.Tests.Features;

/// An independent C# implementation of the feature definitions (DESIGN §5, manifest definitions), computed
/// from raw events strictly before the sample's period. It shares no code with the SQL it checks.
public sealed class ReferenceFeatures
{
    public sealed record Event(long User, long Item, long Category, string Behavior, long Ts, long Period);

    private readonly List<Event> _events;
    private readonly double _alpha;

    public ReferenceFeatures(IEnumerable<Event> events, double alpha)
    {
        _events = events.Distinct().ToList(); // exact duplicates dropped, as the pipeline does
        _alpha = alpha;
    }

    /// Taobao rows (user,item,category,behavior,unix_seconds) within [from, to), periods in China time.
    public static IEnumerable<Event> ReadTaobao(string file, long from, long to, int tzOffset, int periodSeconds) =>
        File.ReadLines(file).Select(l => l.Split(','))
            .Where(f => long.Parse(f[4]) >= from && long.Parse(f[4]) < to)
            .Select(f => new Event(long.Parse(f[0]), long.Parse(f[1]), long.Parse(f[2]),
                f[3] switch { "pv" => "click", "buy" => "purchase", var b => b },
                long.Parse(f[4]), (long.Parse(f[4]) + tzOffset) / periodSeconds));

    public Dictionary<string, double> For(long user, long item, long category, long period)
    {
        var before = _events.Where(e => e.Period < period).ToList();
        var f = new Dictionary<string, double>();
        void Windows(string prefix, Func<Event, bool> entity, bool rates, bool windows = true)
        {
            var mine = before.Where(entity).ToList();
            if (windows)
                foreach (var (behavior, name) in new[] { ("click", "clicks"), ("cart", "carts"), ("purchase", "purchases") })
                    foreach (var w in new[] { 1, 3, 7 })
                        f[$"{prefix}_{name}_{w}p"] = mine.Count(e => e.Behavior == behavior && e.Period >= period - w);
            var engaged = mine.Where(e => e.Behavior != "impression").Select(e => e.Period).ToList();
            f[$"{prefix}_periods_since_last"] = engaged.Count == 0 ? 0 : period - engaged.Max();
            if (rates)
            {
                f[$"{prefix}_purchase_rate_7p"] = (f[$"{prefix}_purchases_7p"] + _alpha * Prior("purchase", before)) / (f[$"{prefix}_clicks_7p"] + _alpha);
                if (prefix != "category")
                    f[$"{prefix}_cart_rate_7p"] = (f[$"{prefix}_carts_7p"] + _alpha * Prior("cart", before)) / (f[$"{prefix}_clicks_7p"] + _alpha);
            }
        }
        Windows("user", e => e.User == user, rates: true);
        Windows("item", e => e.Item == item, rates: true);
        Windows("category", e => e.Category == category, rates: true);
        Windows("user_category", e => e.User == user && e.Category == category, rates: false);
        Windows("user_item", e => e.User == user && e.Item == item, rates: false, windows: false);
        var userItem = before.Where(e => e.User == user && e.Item == item).ToList();
        foreach (var (behavior, name) in new[] { ("click", "clicks"), ("cart", "carts"), ("fav", "favs"), ("purchase", "purchases") })
            f[$"user_item_{name}_before"] = userItem.Count(e => e.Behavior == behavior);
        var userEngaged = before.Where(e => e.User == user && e.Behavior != "impression").ToList();
        f["user_distinct_items"] = userEngaged.Select(e => e.Item).Distinct().Count();
        f["user_distinct_categories"] = userEngaged.Select(e => e.Category).Distinct().Count();
        return f;
    }

    private static double Prior(string behavior, List<Event> before)
    {
        var clicks = before.Count(e => e.Behavior == "click");
        return clicks == 0 ? 0 : (double)before.Count(e => e.Behavior == behavior) / clicks;
    }
}
