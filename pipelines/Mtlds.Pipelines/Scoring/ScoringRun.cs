using System.Security.Cryptography;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Training;
using Npgsql;

namespace Mtlds.Pipelines.Scoring;

/// Scores one split of a feature build with a saved model into a sink: the glue between the model
/// directory, the dataset on disk and a file or PostgreSQL.
public sealed class ScoringRun(string modelDir, string dataDir, string split)
{
    public sealed record Outcome(string RunId, string Split, long Rows, TimeSpan Elapsed);

    /// What a sink may record of the run.
    public sealed record Context(string RunId, string Split, ModelDirectory.Config Model, RunRegistration Registration);

    /// Rows per Arrow batch while scoring (whole lists; a little more where a list straddles the mark).
    public int BatchRows { get; init; } = 65_536;

    /// Scores into the sink that `sink` opens for the run; rows are published only when every batch was
    /// written, and a failure tells the sink to give up (a PostgreSQL run is then marked failed).
    public Outcome Run(string runId, Func<Context, IScoreSink> sink, CancellationToken cancellationToken = default)
    {
        RunId.Validate(runId);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (model, config) = ModelDirectory.Load(modelDir);
        // The split the model was trained with: its test periods are what "test" means for it.
        var reader = new ListBatchReader(dataDir, config.ValidPeriods is null ? null : (config.ValidPeriods, config.TestPeriods)) { SampleColumns = ListBatch.SampleColumns };
        using (model)
        {
            var dataFeatures = reader.Manifest.Features.Select(f => f.Name).ToList();
            if (!dataFeatures.SequenceEqual(config.Features.Names))
                throw new InputException(
                    $"{dataDir}: its features differ from those model {modelDir} was trained on ({dataFeatures.Count} vs {config.Features.Names.Count}); rebuild the features with the same SQL or retrain");
            var metrics = Path.Combine(modelDir, "metrics.json");
            var registration = new RunRegistration(runId, config.Model.Model, System.Text.Json.JsonSerializer.Serialize(config, ModelDirectory.Json),
                Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dataDir, "manifest.json")))),
                File.Exists(metrics) ? File.ReadAllText(metrics) : null);
            using var target = Open(sink, new Context(runId, split, config, registration));
            try
            {
                foreach (var batch in model.ScoreBatches(reader.ReadAsync(split, BatchRows, cancellationToken), cancellationToken))
                    target.Write(runId, split, batch);
                var rows = target.Complete();
                return new Outcome(runId, split, rows, started.Elapsed);
            }
            catch (Exception e)
            {
                target.Fail(e.Message);
                if (e is NpgsqlException or InvalidOperationException { InnerException: NpgsqlException })
                    throw new PostgresUnavailableException(
                        $"run {runId}: PostgreSQL failed while its rows were written ({e.Message}); no row of the run was published and it is marked failed; rerun to retry", e);
                throw;
            }
        }
    }

    private static IScoreSink Open(Func<Context, IScoreSink> sink, Context context)
    {
        try
        {
            return sink(context);
        }
        catch (NpgsqlException e)
        {
            throw new PostgresUnavailableException($"run {context.RunId}: PostgreSQL refused the run ({e.Message}); nothing was written", e);
        }
    }
}
