using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Training;

namespace Mtlds.Pipelines.Scoring;

/// Scores one split of a feature build with a saved model into a sink: the glue between the model
/// directory, the dataset on disk and a file or PostgreSQL.
public sealed class ScoringRun(string modelDir, string dataDir, string split)
{
    public sealed record Outcome(string RunId, string Split, long Rows, TimeSpan Elapsed);

    /// Rows per Arrow batch while scoring (whole lists; a little more where a list straddles the mark).
    public int BatchRows { get; init; } = 65_536;

    /// Scores into the sink that `sink` opens for the loaded model's config (a sink that registers the run
    /// records it); rows are published only when every batch was written.
    public Outcome Run(string runId, Func<ModelDirectory.Config, IScoreSink> sink, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var reader = new ListBatchReader(dataDir);
        var (trainer, config) = ModelDirectory.Load(modelDir);
        try
        {
            var dataFeatures = reader.Manifest.Features.Select(f => f.Name).ToList();
            if (!dataFeatures.SequenceEqual(config.Features.Names))
                throw new InputException(
                    $"{dataDir}: its features differ from those model {modelDir} was trained on ({dataFeatures.Count} vs {config.Features.Names.Count}); rebuild the features with the same SQL or retrain");
            using var target = sink(config);
            foreach (var batch in trainer.ScoreBatches(reader.ReadAsync(split, BatchRows, cancellationToken), cancellationToken))
                target.Write(runId, split, batch);
            var rows = target.Complete();
            return new Outcome(runId, split, rows, started.Elapsed);
        }
        finally
        {
            trainer.Dispose();
        }
    }
}
