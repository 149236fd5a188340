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
    /// UTC start of the first period (a day).
    public DateTimeOffset Start { get; init; } = new(2017, 11, 25, 0, 0, 0, TimeSpan.Zero);

    public void Validate()
    {
        if (Users < 1 || Items < 2 || Categories < 1 || Categories > Items || Periods < 1 || ImpressionsPerPeriod <= 0)
            throw new ConfigurationException("generate: users ≥ 1, items ≥ 2, 1 ≤ categories ≤ items, periods ≥ 1 and impressions > 0 are required");
    }
}
