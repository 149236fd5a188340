namespace Mtlds.Pipelines.Diagnostics;

/// The median of repeated timings: benchmarks on these noisy machines report it rather than one run.
public static class Median
{
    /// The middle value (the upper one of an even count).
    public static double Of(IReadOnlyCollection<double> values) => By(values, v => v);

    /// The item of the middle key (the upper one of an even count): a measurement whose other parts go with it.
    public static T By<T>(IReadOnlyCollection<T> items, Func<T, double> key)
    {
        if (items.Count == 0) throw new ArgumentException("no values");
        return items.OrderBy(key).ElementAt(items.Count / 2);
    }
}
