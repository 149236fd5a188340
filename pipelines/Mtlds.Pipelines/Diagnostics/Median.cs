namespace Mtlds.Pipelines.Diagnostics;

/// The median of repeated timings: benchmarks on these noisy machines report it rather than one run.
public static class Median
{
    /// The middle value (the upper one of an even count).
    public static double Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values");
        return values.Order().ElementAt(values.Count / 2);
    }
}
