namespace Mtlds.Pipelines.Generation;

/// Size and seed of a log shaped like Taobao's UserBehavior file (no impressions). The defaults of `ForEvents`
/// follow the real log: about 100 events per user over 9 days, 4 items per user, 440 items per category
/// (UserBehavior: 100.2M events, 988k users, 4.16M items, 9,439 categories).
public sealed record TaobaoShapeOptions
{
    public int Users { get; init; } = 10_000;
    public int Items { get; init; } = 40_000;
    public int Categories { get; init; } = 91;
    public int Periods { get; init; } = 9;
    /// Mean events per user per period; per-user activity is log-normal around it (a heavy tail, as in the log).
    public double EventsPerPeriod { get; init; } = 11.1;
    public int Seed { get; init; } = 7;
    /// UTC start of the first period (a day): UserBehavior's first day.
    public DateTimeOffset Start { get; init; } = new(2017, 11, 25, 0, 0, 0, TimeSpan.Zero);

    /// Options for a log of about `events` events with the real log's proportions.
    public static TaobaoShapeOptions ForEvents(long events, int seed = 7)
    {
        if (events < 1_000) throw new ConfigurationException("generate --shape taobao: --events must be at least 1000");
        var users = (int)Math.Max(10, events / 100);
        var items = (int)Math.Min(int.MaxValue / 2, 4L * users + 100);
        return new TaobaoShapeOptions { Users = users, Items = items, Categories = Math.Max(5, items / 440), Seed = seed };
    }

    public void Validate()
    {
        if (Users < 1 || Items < 2 || Categories < 1 || Categories > Items || Periods < 1 || EventsPerPeriod <= 0)
            throw new ConfigurationException("generate --shape taobao: users ≥ 1, items ≥ 2, 1 ≤ categories ≤ items, periods ≥ 1 and events per period > 0 are required");
    }
}
