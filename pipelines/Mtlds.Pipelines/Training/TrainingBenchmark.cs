using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Model.Trees;
using Mtlds.Pipelines.Datasets;

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
        var reader = new ListBatchReader(dataDir);
        var defaults = new ModelConfig();
        var batches = new List<RecordBatch>();
        foreach (var b in reader.ReadAsync("train", TrainingRun.TargetRows(reader, defaults.BatchLists)).ToBlockingEnumerable())
        {
            batches.Add(b);
            if (batches.Count == Warmup + Steps) break;
        }
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
}
