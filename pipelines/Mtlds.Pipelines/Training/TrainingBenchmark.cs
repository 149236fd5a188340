using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Datasets;

namespace Mtlds.Pipelines.Training;

/// Training throughput per model on a feature build: the first batches of the train split are read into
/// memory once (reading is the dataset's cost, not training's), then every model times its steady-state step
/// loop over them at the default configuration.
public sealed class TrainingBenchmark(string dataDir)
{
    public int Warmup { get; init; } = 5;
    public int Steps { get; init; } = 30;

    public IReadOnlyList<Trainer.StepTiming> Run(IEnumerable<string> models, Action<string>? log = null)
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
        var results = new List<Trainer.StepTiming>();
        foreach (var model in models)
        {
            using var trainer = new Trainer(defaults with { Model = model }, spec);
            var timing = trainer.MeasureSteps(batches, Warmup, Steps);
            log?.Invoke($"train {model}: {timing.SamplesPerSecond:N0} samples/s over {timing.Steps} steps ({timing.Samples:N0} samples)"
                + (timing.SortSeconds > 0 ? $", sorting {timing.SortShare:P0} of step time" : ""));
            results.Add(timing);
        }
        return results;
    }
}
