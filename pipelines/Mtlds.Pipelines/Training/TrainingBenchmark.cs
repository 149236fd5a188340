using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Diagnostics;

namespace Mtlds.Pipelines.Training;

/// Training throughput per model on a feature build: the first batches of the train split are read into
/// memory once (reading is the dataset's cost, not training's), then every model times its steady-state step
/// loop over them at the default configuration. Models take turns for `Rounds` rounds (so that a noisy
/// minute hits all of them) and each reports its median round; one untimed round warms the process up first
/// (the first model timed used to pay for JIT and allocator growth: 0.75× its later rounds).
public sealed class TrainingBenchmark(string dataDir)
{
    public int Warmup { get; init; } = 5;
    public int Steps { get; init; } = 30;
    public int Rounds { get; init; } = 3;

    public IReadOnlyList<Trainer.StepTiming> Run(IReadOnlyList<string> models, Action<string>? log = null)
    {
        var reader = new ListBatchReader(dataDir);
        var defaults = new ModelConfig();
        var batches = new List<RecordBatch>();
        foreach (var b in reader.ReadAsync("train", TrainingRun.TargetRows(reader, defaults.BatchLists)).ToBlockingEnumerable())
        {
            batches.Add(b);
            if (batches.Count == Warmup + Steps) break;
        }
        var spec = TrainingRun.FeatureSpecOf(reader);
        using (var warm = new Trainer(defaults with { Model = models[0] }, spec)) warm.MeasureSteps(batches, Warmup, Steps);
        var rounds = models.ToDictionary(m => m, _ => new List<Trainer.StepTiming>());
        for (var round = 1; round <= Rounds; round++)
            foreach (var model in models)
            {
                using var trainer = new Trainer(defaults with { Model = model }, spec);
                var timing = trainer.MeasureSteps(batches, Warmup, Steps);
                log?.Invoke($"train {model}, round {round}: {timing.SamplesPerSecond:N0} samples/s over {timing.Steps} steps ({timing.Samples:N0} samples)"
                    + (timing.SortSeconds > 0 ? $", sorting {timing.SortShare:P0} of step time" : ""));
                rounds[model].Add(timing);
            }
        return models.Select(m => rounds[m].OrderBy(t => t.SamplesPerSecond).ElementAt(Rounds / 2)).ToList();
    }

    public sealed record MemoryResult(long SmallSamples, long SmallPeakBytes, long LargeSamples, long LargePeakBytes)
    {
        public double Ratio => (double)LargePeakBytes / SmallPeakBytes;
    }

    /// Peak RSS of one MTLDS training epoch (streaming the train split, then evaluating valid) over the first
    /// tenth of the train split and over all of it, each measured from a reset peak. Streaming means the two
    /// are close; loading the split would make the second about ten times the first's data.
    public MemoryResult MeasureStreamingMemory(Action<string>? log = null)
    {
        var reader = new ListBatchReader(dataDir);
        var all = reader.Manifest.Splits["train"].Samples;
        var small = Epoch(reader, all / 10, log);
        var large = Epoch(reader, long.MaxValue, log);
        return new MemoryResult(small.Samples, small.Peak, large.Samples, large.Peak);
    }

    private static (long Samples, long Peak) Epoch(ListBatchReader reader, long samples, Action<string>? log)
    {
        var config = new ModelConfig { Epochs = 1 };
        var rows = TrainingRun.TargetRows(reader, config.BatchLists);
        long trained = 0;
        async IAsyncEnumerable<RecordBatch> Train()
        {
            await foreach (var b in reader.ReadAsync("train", rows))
            {
                if (trained >= samples) yield break;
                trained += b.Length;
                yield return b;
            }
        }
        PeakMemory.Reset();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var trainer = new Trainer(config, TrainingRun.FeatureSpecOf(reader)))
            trainer.FitAsync(s => s == "train" ? Train() : reader.ReadAsync(s, rows)).GetAwaiter().GetResult();
        var peak = PeakMemory.PeakBytes() ?? 0;
        log?.Invoke($"one MTLDS epoch over {trained:N0} train samples (then valid) in {clock.Elapsed.TotalSeconds:F1} s: peak RSS {peak / 1e6:F0} MB");
        return (trained, peak);
    }
}
