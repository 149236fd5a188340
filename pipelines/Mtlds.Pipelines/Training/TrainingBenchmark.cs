using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Model.Trees;
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
    /// Trees per task the LightGBM fit grows when timed (no early stopping): its samples/s is the rows of the
    /// timed batches over the seconds of the whole fit, all tasks, so 1M / samples/s is its training time per
    /// 1M samples at this many trees, where a network's is one epoch's.
    public int LightGbmRounds { get; init; } = 100;

    /// Times each model at the default configuration; with `denseAdamBaseline`, MTLDS also with dense Adam
    /// (Optimizer = adam), reported as "mtlds-dense-adam": the yardstick of LazyAdam, timed in the same run.
    public IReadOnlyList<Trainer.StepTiming> Run(IReadOnlyList<string> models, Action<string>? log = null, bool denseAdamBaseline = false)
    {
        var defaults = new ModelConfig();
        var (reader, _, batches) = TrainBatches(Warmup + Steps);
        var spec = TrainingRun.FeatureSpecOf(reader);
        var configs = models.Select(m => (Label: m, Config: defaults with { Model = m })).ToList();
        if (denseAdamBaseline && models.Contains("mtlds"))
            configs.Insert(models.ToList().IndexOf("mtlds") + 1, ("mtlds-dense-adam", defaults with { Optimizer = "adam" }));
        using (var warm = new Trainer(configs.Select(c => c.Config).FirstOrDefault(c => c.Model != "lightgbm") ?? defaults, spec))
            warm.MeasureSteps(batches, Warmup, Steps);
        var rounds = configs.ToDictionary(c => c.Label, _ => new List<Trainer.StepTiming>());
        for (var round = 1; round <= Rounds; round++)
            foreach (var (model, config) in configs)
            {
                Trainer.StepTiming timing;
                if (config.Model == "lightgbm")
                    timing = BoostedTrees.MeasureFit(config with { BoostingRounds = LightGbmRounds }, spec, batches.Skip(Warmup).ToList()) with { Model = model };
                else
                {
                    using var trainer = new Trainer(config, spec);
                    timing = trainer.MeasureSteps(batches, Warmup, Steps) with { Model = model };
                }
                log?.Invoke($"train {model}, round {round}: {timing.SamplesPerSecond:N0} samples/s over {timing.Steps} steps ({timing.Samples:N0} samples)"
                    + (timing.SortSeconds > 0 ? $", sorting {timing.SortShare:P0} of step time" : ""));
                rounds[model].Add(timing);
            }
        return configs.Select(c => rounds[c.Label].OrderBy(t => t.SamplesPerSecond).ElementAt(Rounds / 2)).ToList();
    }

    /// The training lists' shuffle (ListShuffleBuffer at the default buffer) against the same batches in file
    /// order, over batches held in memory (reading is the dataset's cost either way): rows per second of each,
    /// median of `Rounds`. What shuffling adds to a training step of `trainSamplesPerSecond` is
    /// (1/shuffled − 1/plain) × trainSamplesPerSecond, when the two do not overlap (they run on one thread).
    public (double PlainRowsPerSecond, double ShuffledRowsPerSecond) MeasureShuffle(int batchCount = 200)
    {
        var defaults = new ModelConfig();
        var (_, rows, batches) = TrainBatches(batchCount);
        double Rate(Func<IAsyncEnumerable<RecordBatch>, IAsyncEnumerable<RecordBatch>> through)
        {
            var rates = new List<double>();
            for (var round = 0; round <= Rounds; round++) // round 0 warms up
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                long n = 0;
                foreach (var b in through(batches.ToAsyncEnumerable()).ToBlockingEnumerable()) n += b.Length;
                if (round > 0) rates.Add(n / clock.Elapsed.TotalSeconds);
            }
            return Median.Of(rates);
        }
        var plain = Rate(b => b);
        var shuffled = Rate(b => ListShuffleBuffer.Shuffle(b, defaults.ShuffleLists, rows, TrainingRun.ShuffleSeed(defaults.Seed, 1)));
        return (plain, shuffled);
    }

    /// The first `count` batches of the train split (fewer if it ends), read into memory as training reads
    /// them, at the default batch size (`rows` per batch).
    private (ListBatchReader Reader, int Rows, List<RecordBatch> Batches) TrainBatches(int count)
    {
        var reader = new ListBatchReader(dataDir) { SampleColumns = ListBatch.SampleColumns };
        var rows = TrainingRun.TargetRows(reader, new ModelConfig().BatchLists);
        return (reader, rows, reader.ReadAsync("train", rows).ToBlockingEnumerable().Take(count).ToList());
    }
}
