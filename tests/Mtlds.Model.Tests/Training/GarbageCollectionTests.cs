using Apache.Arrow;
using Mtlds.Model.Training;

namespace Mtlds.Model.Tests.Training;

[CollectionDefinition(nameof(CollectingAlone), DisableParallelization = true)]
public sealed class CollectingAlone;

/// TorchSharp turns a double or int passed for a Scalar into a native object left to the finalizer; if a
/// collection runs while the native call still reads it, libtorch fails with "Expected false to be true" (seen
/// in CI, once in a few runs). Here a thread collects without pause while every model trains and scores. Run
/// alone, the old code failed in 8 of the 10 configurations; among the other tests, whose heap slows the
/// collections, in fewer. HeldScalarsTests is the deterministic half: it finds every such Scalar in the IL.
/// Alone in its collection so that the collections do not slow or disturb the other tests.
[Collection(nameof(CollectingAlone))]
public sealed class GarbageCollectionTests
{
    private static readonly FeatureSpec Spec = new(["x", "y"], [0.5, 0.5], [0.3, 0.3]);

    public static TheoryData<string, string, string, string, string, int> Configurations() => new()
    {
        { "mtlds", "linear", "softsort", "lazy-adam", "none", 3 },
        { "mtlds", "attention", "neuralsort", "lazy-adam", "none", 3 },
        { "mtlds", "sum", "softsort", "adam", "dot", 3 },
        { "mtlds", "mul", "neuralsort", "lazy-adam", "none", 2 },
        { "mtlds", "max", "softsort", "lazy-adam", "none", 3 },
        { "listnet", "linear", "softsort", "lazy-adam", "none", 3 },
        { "mmoe", "linear", "softsort", "lazy-adam", "none", 3 },
        { "esmm", "linear", "softsort", "adam", "none", 3 },
        { "shared-bottom", "linear", "softsort", "lazy-adam", "none", 3 },
        { "single-task", "linear", "softsort", "lazy-adam", "none", 3 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Training_and_scoring_survive_a_collection_at_any_moment(string model, string aggregator, string sort, string optimizer, string interactions, int tasks)
    {
        var config = new ModelConfig
        {
            Model = model, Aggregator = aggregator, Sort = sort, Optimizer = optimizer, Interactions = interactions,
            Tasks = tasks == 3 ? ["click", "cart", "purchase"] : ["click", "purchase"],
            Buckets = 2_000, Bottom = [32, 16], TowerHidden = 16, Seed = 5,
        };
        var batch = Batch();
        using var collecting = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!collecting.IsCancellationRequested) { GC.Collect(0); GC.WaitForPendingFinalizers(); } // the temporaries are young: a gen-0 collection finds them, cheaply at any heap size
        }) { IsBackground = true };
        collector.Start();
        try
        {
            // Steps and scorings for two seconds, however many the collections let through: alone, the old
            // code failed within 0.05 to 3 s.
            using var trainer = new Trainer(config, Spec);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var steps = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(2) || steps < 20)
            {
                steps += trainer.MeasureSteps([batch], warmup: 0, steps: 10).Steps;
                Assert.Equal(batch.Length, trainer.ScoreBatches(One(batch)).Single().Scores.Length);
            }
        }
        finally
        {
            collecting.Cancel();
            collector.Join();
        }
    }

    private static async IAsyncEnumerable<RecordBatch> One(RecordBatch batch)
    {
        await Task.CompletedTask;
        yield return batch;
    }

    /// 64 lists of 12 items: a purchase, a cart, two clicks and eight negatives each, two numeric features.
    private static RecordBatch Batch()
    {
        const int lists = 64, length = 12, rows = lists * length;
        var random = new Random(1);
        var users = Enumerable.Range(0, rows).Select(i => (long)(i / length)).ToArray();
        var items = Enumerable.Range(0, rows).Select(_ => (long)random.Next(1_000)).ToArray();
        var stages = Enumerable.Range(0, rows).Select(i => (i % length) switch { 0 => 3, 1 => 2, 2 or 3 => 1, _ => 0 }).ToArray();
        return SampleBatch.Of(users, items, stages, period: 7, categories: 17,
            ("x", items.Select(i => (float)(i % 4))), ("y", items.Select(_ => (float)random.NextDouble()).ToArray()));
    }
}
