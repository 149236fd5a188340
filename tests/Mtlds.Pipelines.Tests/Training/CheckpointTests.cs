using System.Globalization;
using System.Text.Json;
using Mtlds.Model.Metrics;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Training;
using Mtlds.Pipelines.Tests.Fixtures;
using TorchSharp;
using Xunit.Abstractions;

namespace Mtlds.Pipelines.Tests.Training;

/// Checkpoints, resuming, scoring in a fresh process and memory that does not grow with steps, on the
/// real `mtlds` executable where a user would meet them.
[Trait("Category", "Slow")]
public sealed class CheckpointTests(GeneratedDatasetFixture data, ITestOutputHelper output) : IClassFixture<GeneratedDatasetFixture>, IDisposable
{
    private readonly string _dir = TestData.TempDir("checkpoint");

    private string[] Train(string outDir, params string[] extra) =>
        ["train", "--data", data.Features, "--epochs", "3", "--batch-lists", "64", "--buckets", "20000", "--seed", "7", "--out", outDir, .. extra];

    [Fact]
    public void A_training_killed_mid_epoch_resumes_from_its_checkpoint_to_the_metrics_of_an_uninterrupted_run()
    {
        var whole = Path.Combine(_dir, "whole");
        var r = MtldsProcess.Run(Train(whole));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.False(File.Exists(Path.Combine(whole, ModelDirectory.CheckpointFile)), "the checkpoint is removed once the model is saved");

        var killed = Path.Combine(_dir, "killed");
        var checkpoint = Path.Combine(killed, ModelDirectory.CheckpointFile);
        using (var p = MtldsProcess.Start(Train(killed)))
        {
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && !p.HasExited && waited.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(20);
            Thread.Sleep(300); // into the second epoch
            Assert.False(p.HasExited, "training ended before it could be killed");
            p.Kill(); // SIGKILL: no chance to clean up
            p.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(killed, "metrics.json")));
        Assert.DoesNotContain(Directory.GetFiles(killed), f => Path.GetFileName(f) != ModelDirectory.CheckpointFile && !Path.GetFileName(f).StartsWith('.'));

        var resumed = MtldsProcess.Run(Train(killed, "--resume"));
        output.WriteLine(resumed.Stdout);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming after epoch 1", resumed.Stdout);
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "metrics.json")), File.ReadAllText(Path.Combine(killed, "metrics.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "curve.csv")), File.ReadAllText(Path.Combine(killed, "curve.csv")));
        Assert.Empty(Directory.GetFiles(killed, ".*")); // no temporary file left behind
    }

    [Fact]
    public void A_damaged_checkpoint_stops_a_resume_with_one_line_naming_it()
    {
        var dir = Path.Combine(_dir, "damaged");
        Directory.CreateDirectory(dir);
        var checkpoint = Path.Combine(dir, ModelDirectory.CheckpointFile);
        File.WriteAllBytes(checkpoint, [1, 2, 3]);
        var r = MtldsProcess.Run(Train(dir, "--resume"));
        Assert.Equal(3, r.ExitCode);
        Assert.StartsWith($"mtlds: error: {checkpoint}: ", r.Stderr.Trim());
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void A_checkpoint_of_another_configuration_is_not_resumed()
    {
        var dir = Path.Combine(_dir, "other");
        var first = MtldsProcess.Start(Train(dir));
        _ = first.StandardOutput.ReadToEndAsync();
        _ = first.StandardError.ReadToEndAsync();
        while (!File.Exists(Path.Combine(dir, ModelDirectory.CheckpointFile)) && !first.HasExited) Thread.Sleep(20);
        first.Kill();
        first.WaitForExit();
        var r = MtldsProcess.Run(Train(dir, "--resume", "--tau", "0.5"));
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("another configuration", r.Stderr);
    }

    [Fact]
    public void A_saved_model_scores_in_a_fresh_process_to_the_numbers_in_its_metrics_json()
    {
        var model = Path.Combine(_dir, "model");
        var train = MtldsProcess.Run(["train", "--data", data.Features, "--epochs", "1", "--buckets", "20000", "--labels", "click,purchase", "--out", model]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var scores = Path.Combine(_dir, "scores.csv");
        var score = MtldsProcess.Run("score", "--model", model, "--data", data.Features, "--split", "test", "--run-id", "fresh-1", "--out", scores);
        Assert.True(score.ExitCode == 0, score.Stderr);

        var lines = File.ReadAllLines(scores);
        Assert.Equal("run_id,split,user_id,item_id,period,score,p_click,p_purchase,y_click,y_purchase,stage,category_id,user_clicks_7p", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(("fresh-1", "test"), (r[0], r[1])));
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        var auc = Auc.Compute(rows.Select(r => D(r[7])).ToArray(), rows.Select(r => int.Parse(r[9], CultureInfo.InvariantCulture)).ToArray());
        var lists = rows.GroupBy(r => (r[2], r[4])).Select(g => (
            g.Select(r => D(r[5])).ToArray(), g.Select(r => int.Parse(r[10], CultureInfo.InvariantCulture)).ToArray(), g.Select(r => long.Parse(r[3], CultureInfo.InvariantCulture)).ToArray()));
        var ndcg = Ndcg.Mean(lists, 10);

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(model, "metrics.json")));
        var test = metrics.RootElement.GetProperty("test");
        Assert.Equal(test.GetProperty("samples").GetInt64(), rows.Count);
        Assert.Equal(test.GetProperty("auc").GetProperty("purchase").GetDouble(), auc, 12);
        Assert.Equal(test.GetProperty("ndcg").GetProperty("10").GetDouble(), ndcg, 12);
    }

    [Fact]
    public async Task Live_tensors_do_not_grow_with_the_number_of_steps()
    {
        var reader = new ListBatchReader(data.Features);
        var config = new ModelConfig { Epochs = 2, BatchLists = 32, Buckets = 20_000, Seed = 2 };
        var live = new List<List<long>> { new() };
        using var trainer = new Trainer(config, TrainingRun.FeatureSpecOf(reader));
        await trainer.FitAsync(s => reader.ReadAsync(s, TrainingRun.TargetRows(reader, config.BatchLists)),
            onEpoch: _ => live.Add([]),
            onStep: (_, _) => live[^1].Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount));
        var (first, second) = (live[0], live[1]);
        output.WriteLine($"{first.Count} + {second.Count} steps; live tensors per step: epoch 1 {string.Join(",", first.Distinct())}, epoch 2 {string.Join(",", second.Distinct())}");
        Assert.True(first.Count > 50, $"only {first.Count} steps");
        // The same point of every step sees the same number of live tensors (the first steps create Adam's
        // moments); the second epoch holds one more copy of the weights: the best epoch's, kept for early stopping.
        Assert.Single(first.Skip(2).Distinct());
        Assert.Single(second.Distinct());
        Assert.Equal(trainer.State().Count, second[0] - first[^1]);
    }

    [Fact]
    public async Task A_NaN_loss_stops_training_naming_the_epoch_and_step()
    {
        var reader = new ListBatchReader(data.Features);
        var spec = TrainingRun.FeatureSpecOf(reader);
        using var trainer = new Trainer(new ModelConfig { Epochs = 1, BatchLists = 32, Buckets = 5_000 }, spec);
        var e = await Assert.ThrowsAsync<TrainingDivergedException>(() => trainer.FitAsync(s =>
            s == "train" ? PoisonThirdBatch(reader.ReadAsync(s, 2_000), spec.Names[0]) : reader.ReadAsync(s, 2_000)));
        Assert.Contains("at epoch 1, step 3", e.Message);
        Assert.Contains("NaN", e.Message);
    }

    /// The third batch with one feature column all NaN (an upstream defect the trainer must not train through).
    private static async IAsyncEnumerable<Apache.Arrow.RecordBatch> PoisonThirdBatch(IAsyncEnumerable<Apache.Arrow.RecordBatch> batches, string column)
    {
        var n = 0;
        await foreach (var b in batches)
        {
            if (++n != 3) { yield return b; continue; }
            var index = b.Schema.GetFieldIndex(column);
            var nan = new Apache.Arrow.FloatArray.Builder().AppendRange(Enumerable.Repeat(float.NaN, b.Length)).Build();
            yield return new Apache.Arrow.RecordBatch(b.Schema, Enumerable.Range(0, b.ColumnCount).Select(c => c == index ? (Apache.Arrow.IArrowArray)nan : b.Column(c)), b.Length);
        }
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
