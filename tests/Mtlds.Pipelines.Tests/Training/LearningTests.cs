using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Training;
using Mtlds.Pipelines.Tests.Fixtures;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Training;

/// A small generated log with a planted funnel, built into features once for the class.
public sealed class GeneratedDatasetFixture : IDisposable
{
    public string Dir { get; } = TestData.TempDir("generated");
    public string Features => Path.Combine(Dir, "features");

    public GeneratedDatasetFixture()
    {
        var log = Path.Combine(Dir, "events.csv");
        new SyntheticLogGenerator(new GeneratorOptions { Users = 1500, Items = 3000, Categories = 60, Periods = 8, ImpressionsPerPeriod = 20, Seed = 3 }).Write(log);
        new FeatureBuilder().Build(new FeatureOptions { Source = "canonical", EventsPath = log, OutDir = Features });
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

[Trait("Category", "Slow")]
public sealed class LearningTests(GeneratedDatasetFixture data, ITestOutputHelper output) : IClassFixture<GeneratedDatasetFixture>
{
    private static readonly ModelConfig Config = new() { Epochs = 8, BatchLists = 64, Buckets = 20_000, LearningRate = 2e-3, Patience = 3, Seed = 1 };

    [Fact]
    public async Task Mtlds_learns_the_planted_funnel_far_better_than_a_model_trained_on_shuffled_labels()
    {
        var real = await TrainAndTest(Config, shuffleTrainLabels: false);
        var shuffled = await TrainAndTest(Config, shuffleTrainLabels: true);
        output.WriteLine($"test purchase AUC {real.Auc["purchase"]:F4} (shuffled {shuffled.Auc["purchase"]:F4}), NDCG@10 {real.Ndcg["10"]:F4} (shuffled {shuffled.Ndcg["10"]:F4})");

        Assert.True(real.Auc["purchase"] > 0.80, $"test purchase AUC {real.Auc["purchase"]:F4}, shuffled {shuffled.Auc["purchase"]:F4}, valid curve?");
        Assert.True(real.Auc["purchase"] - shuffled.Auc["purchase"] >= 0.2,
            $"real {real.Auc["purchase"]:F4} vs shuffled {shuffled.Auc["purchase"]:F4}");
        Assert.True(real.Ndcg["10"] > shuffled.Ndcg["10"]);
    }

    [Fact]
    public async Task The_same_run_twice_with_one_seed_gives_identical_metrics()
    {
        var config = Config with { Epochs = 2 };
        var first = await TrainAndTest(config, shuffleTrainLabels: false);
        var second = await TrainAndTest(config, shuffleTrainLabels: false);
        output.WriteLine($"{first.Auc["purchase"]:R} vs {second.Auc["purchase"]:R}");
        Assert.Equal(first.Auc, second.Auc);
        Assert.Equal(first.Ndcg, second.Ndcg);
        Assert.Equal(first.Logloss, second.Logloss);
    }

    [Theory]
    [InlineData("single-task")]
    [InlineData("shared-bottom")]
    [InlineData("esmm")]
    [InlineData("mmoe")]
    [InlineData("listnet")]
    [InlineData("mtlds")]
    public async Task Every_model_trains_and_reports_every_metric(string model)
    {
        var outDir = TestData.TempDir("model");
        try
        {
            var config = Config with { Model = model, Epochs = 1, Aggregator = model == "mtlds" ? "attention" : "linear" };
            var metrics = await new TrainingRun(data.Features, config).RunAsync(outDir);
            foreach (var split in new[] { "valid", "test" })
            {
                var m = metrics[split];
                Assert.Equal(config.Tasks.Order(), m.Auc.Keys.Order());
                Assert.All(m.Auc.Values.Concat(m.Gauc.Values).Concat(m.Logloss.Values).Concat(m.Ndcg.Values), v => Assert.True(double.IsFinite(v)));
                Assert.Equal(["10", "5"], m.Ndcg.Keys.Order());
                Assert.True(m.Auc["purchase"] > 0.6, $"{model} {split} purchase AUC {m.Auc["purchase"]:F3}");
            }
            foreach (var f in new[] { "config.json", "metrics.json", "curve.csv", "network.bin" }) Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        }
        finally
        {
            Directory.Delete(outDir, true);
        }
    }

    [Fact]
    public async Task A_saved_model_loads_into_a_new_trainer_and_scores_the_same_numbers()
    {
        var outDir = TestData.TempDir("model");
        try
        {
            var metrics = await new TrainingRun(data.Features, Config with { Epochs = 1 }).RunAsync(outDir);
            var (trainer, config) = ModelDirectory.Load(outDir);
            using (trainer)
            {
                // In the batches the run evaluated in: a float32 matmul's last bits may depend on the batch's rows
                // (on this AMD EPYC with AVX-512, batches of 4,096 moved the click AUC in its 8th digit).
                var reader = new ListBatchReader(data.Features);
                var again = await trainer.EvaluateAsync(reader.ReadAsync("test", TrainingRun.TargetRows(reader, Config.BatchLists)));
                Assert.Equal(metrics["test"].Auc, again.Auc);
                Assert.Equal(metrics["test"].Ndcg, again.Ndcg);
                Assert.Equal(Config.Tasks, config.Model.Tasks);
            }
        }
        finally
        {
            Directory.Delete(outDir, true);
        }
    }

    private async Task<Model.Metrics.SplitMetrics> TrainAndTest(ModelConfig config, bool shuffleTrainLabels)
    {
        var reader = new ListBatchReader(data.Features);
        var m = reader.Manifest;
        var spec = new FeatureSpec(m.Features.Select(f => f.Name).ToList(), m.Features.Select(f => f.Log1pMean).ToList(), m.Features.Select(f => f.Log1pStd).ToList());
        using var trainer = new Trainer(config, spec);
        var rng = new Random(5);
        IAsyncEnumerable<RecordBatch> Split(string split)
        {
            var batches = reader.ReadAsync(split, config.BatchLists * 20);
            return split == "train" && shuffleTrainLabels ? Shuffle(batches, rng) : batches;
        }
        await trainer.FitAsync(Split);
        return await trainer.EvaluateAsync(reader.ReadAsync("test", 4096));
    }

    /// The same batches with the stage column permuted across rows: features no longer carry the labels.
    private static async IAsyncEnumerable<RecordBatch> Shuffle(IAsyncEnumerable<RecordBatch> batches, Random rng)
    {
        await foreach (var b in batches)
        {
            var index = b.Schema.GetFieldIndex("stage");
            var stage = (Int32Array)b.Column(index);
            var values = Enumerable.Range(0, stage.Length).Select(i => stage.GetValue(i)!.Value).ToArray();
            rng.Shuffle(values);
            var shuffled = new Int32Array.Builder().AppendRange(values).Build();
            var columns = Enumerable.Range(0, b.ColumnCount).Select(c => c == index ? (IArrowArray)shuffled : b.Column(c)).ToList();
            yield return new RecordBatch(b.Schema, columns, b.Length);
        }
    }
}
