namespace Mtlds.Pipelines.Generation;

/// Size and seed of a synthetic log. Defaults give about 0.6M events in a few seconds.
public sealed record GeneratorOptions
{
    public int Users { get; init; } = 2_000;
    public int Items { get; init; } = 5_000;
    public int Categories { get; init; } = 100;
    public int Periods { get; init; } = 10;
    /// Mean impressions per user per period (Poisson).
    public double ImpressionsPerPeriod { get; init; } = 25;
    public int Seed { get; init; } = 7;
    /// A broken funnel in the log itself: this share of carts is logged without the click before it, and this
    /// share of purchases without their cart event (on top of the 15 % bought directly). The samples' labels
    /// stay monotone (DESIGN §4: a sample's deepest behaviour sets every label up to it), so what changes is
    /// what the features count. Drawn from a stream of its own: 0 gives the same bytes as before it existed.
    public double FunnelBreaks { get; init; }
    /// UTC start of the first period (a day).
    public DateTimeOffset Start { get; init; } = new(2017, 11, 25, 0, 0, 0, TimeSpan.Zero);

    public void Validate()
    {
        if (FunnelBreaks is < 0 or > 1) throw new ConfigurationException($"generate: funnel breaks {FunnelBreaks} is outside 0..1");
        if (Users < 1 || Items < 2 || Categories < 1 || Categories > Items || Periods < 1 || ImpressionsPerPeriod <= 0)
            throw new ConfigurationException("generate: users ≥ 1, items ≥ 2, 1 ≤ categories ≤ items, periods ≥ 1 and impressions > 0 are required");
    }
}
