using System.Diagnostics;
using Mtlds.Pipelines.Diagnostics;

namespace Mtlds.Pipelines.Features;

/// The path of a real log at growing sizes: a Taobao-shaped log (no impressions) of each size goes through
/// `mtlds features` and, up to a size cap, one epoch of `mtlds train`, each in a child process of its own so
/// that its peak RSS is its own. Growth is reported as the log-log slope of time (and memory) against events:
/// 1 is linear. `command(args)` gives the command line of `mtlds` with these arguments (the CLI knows how to
/// start itself).
public sealed class ScalingStudy(Func<IReadOnlyList<string>, ProcessStartInfo> command)
{
    public sealed record Step(double Seconds, long PeakBytes);

    public sealed record Size(long Events, long Samples, long OutputBytes, Step Features, Step? Train);

    public IReadOnlyList<Size> Run(IReadOnlyList<long> sizes, long trainUpTo, string workDir, Action<string>? log = null)
    {
        var results = new List<Size>();
        foreach (var events in sizes.Order())
        {
            var dir = Path.Combine(workDir, "scale");
            var csv = FeatureBenchmark.TaobaoShapedLog(events, dir, log);
            var lines = File.ReadLines(csv).LongCount();
            var data = Path.Combine(dir, $"features-{events}");
            var features = Child(["features", "--source", "taobao", "--events", csv, "--out", data], $"features on {lines:N0} events", log);
            var manifest = Manifest.Read(Path.Combine(data, "manifest.json"));
            var samples = manifest.Splits.Values.Sum(s => s.Samples);
            var bytes = Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            log?.Invoke($"{lines:N0} events: {samples:N0} samples, {bytes / 1e6:N0} MB of output");
            Step? train = null;
            if (events <= trainUpTo)
                train = Child(["train", "--data", data, "--out", Path.Combine(dir, $"model-{events}"), "--epochs", "1"], $"one epoch of training on {samples:N0} samples", log);
            results.Add(new Size(lines, samples, bytes, features, train));
        }
        return results;
    }

    /// The least-squares slope of log(y) against log(x): the power with which y grows with x.
    public static double Exponent(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2) return double.NaN;
        var xs = points.Select(p => Math.Log(p.X)).ToArray();
        var ys = points.Select(p => Math.Log(p.Y)).ToArray();
        double mx = xs.Average(), my = ys.Average();
        var sxy = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum();
        var sxx = xs.Sum(x => (x - mx) * (x - mx));
        return sxy / sxx;
    }

    private Step Child(IReadOnlyList<string> args, string what, Action<string>? log)
    {
        var clock = Stopwatch.StartNew();
        var (exit, peak, stderr) = PeakMemory.OfChild(command(args));
        if (exit != 0) throw new InvalidOperationException($"{what} failed (exit {exit}): {stderr.Trim()}");
        var step = new Step(clock.Elapsed.TotalSeconds, peak);
        log?.Invoke($"{what}: {step.Seconds:F1} s, peak RSS {peak / 1e6:N0} MB");
        return step;
    }
}
