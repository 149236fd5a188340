using System.Diagnostics;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Diagnostics;

namespace Mtlds.Pipelines.Training;

/// Peak RSS of `mtlds train --epochs 1` (stream the train split, evaluate valid and test, save) on a small and
/// a large feature build, each in a process of its own so that neither pays for the other or for the
/// benchmark's own feature build. Streaming keeps the two close; loading a split would not.
/// `train(dataDir, outDir)` gives the command line of a one-epoch training (the CLI knows how to start itself).
public sealed class TrainingMemoryBenchmark(Func<string, string, ProcessStartInfo> train)
{
    public sealed record Run(long Samples, long PeakBytes, double Seconds);

    public sealed record Result(Run Small, Run Large)
    {
        public double Ratio => (double)Large.PeakBytes / Small.PeakBytes;
        public double SampleRatio => (double)Large.Samples / Small.Samples;
    }

    public Result Measure(string smallDataDir, string largeDataDir, string workDir, Action<string>? log = null) =>
        new(Once(smallDataDir, Path.Combine(workDir, "memory-small"), log), Once(largeDataDir, Path.Combine(workDir, "memory-large"), log));

    private Run Once(string dataDir, string outDir, Action<string>? log)
    {
        var samples = new ListBatchReader(dataDir).Manifest.Splits.Values.Sum(s => s.Samples);
        var clock = Stopwatch.StartNew();
        var (exit, peak, stderr) = PeakMemory.OfChild(train(dataDir, outDir));
        if (exit != 0) throw new InvalidOperationException($"training on {dataDir} for the memory benchmark failed (exit {exit}): {stderr.Trim()}");
        var run = new Run(samples, peak, clock.Elapsed.TotalSeconds);
        log?.Invoke($"mtlds train --epochs 1 on {samples:N0} samples (train, valid, test) in {run.Seconds:F1} s: peak RSS {peak / 1e6:F0} MB");
        return run;
    }
}
