using System.Globalization;

namespace Mtlds.Pipelines.Generation;

/// The random draws and the event line shared by the generators; deterministic given the generator's Random.
internal static class Draws
{
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static int Poisson(Random rng, double mean)
    {
        // Knuth for small means, a rounded normal for large ones; both deterministic given the generator.
        if (mean > 30) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())));
        var l = Math.Exp(-mean);
        var k = 0;
        for (var p = rng.NextDouble(); p > l; p *= rng.NextDouble()) k++;
        return k;
    }

    /// One `user,item,category,behavior,ts` line, formatted without allocating.
    public static void WriteEvent(StreamWriter w, long user, long item, long category, string behavior, long ts)
    {
        Span<char> buf = stackalloc char[96];
        var ok = buf.TryWrite(CultureInfo.InvariantCulture, $"{user},{item},{category},{behavior},{ts}", out var n);
        if (!ok) throw new InvalidOperationException("event line too long");
        w.WriteLine(buf[..n]);
    }
}
