using Mtlds.Model.Training;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Training;

namespace Mtlds.Pipelines.Tests.Fixtures;

/// A generated log, its features and an MTLDS model trained on them for one epoch: what scoring tests score.
public sealed class TrainedModelFixture : IDisposable
{
    public string Dir { get; } = TestData.TempDir("trained");
    public string Features => Path.Combine(Dir, "features");
    public string Model => Path.Combine(Dir, "model");

    public TrainedModelFixture()
    {
        var log = Path.Combine(Dir, "events.csv");
        new SyntheticLogGenerator(new GeneratorOptions { Users = 1000, Items = 2000, Categories = 40, Periods = 6, ImpressionsPerPeriod = 20, Seed = 11 }).Write(log);
        new FeatureBuilder().Build(new FeatureOptions { Source = "canonical", EventsPath = log, OutDir = Features });
        new TrainingRun(Features, new ModelConfig { Epochs = 1, BatchLists = 64, Buckets = 20_000, Seed = 3 })
            .RunAsync(Model).GetAwaiter().GetResult();
    }

    public long Samples(string split) => new Pipelines.Datasets.ListBatchReader(Features).Manifest.Splits[split].Samples;

    public void Dispose() => Directory.Delete(Dir, true);
}
