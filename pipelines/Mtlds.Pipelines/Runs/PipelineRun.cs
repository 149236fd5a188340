using System.Diagnostics;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Features;
using Mtlds.Pipelines.Ingestion;
using Mtlds.Pipelines.Postgres;
using Mtlds.Pipelines.Scoring;
using Mtlds.Pipelines.Training;

namespace Mtlds.Pipelines.Runs;

/// features → train → score → evaluate in one output folder, step by step: a step whose inputs and config
/// are unchanged since it last finished is skipped (and says so); an interrupted training resumes from its
/// checkpoint. Scores go to PostgreSQL when a target is given, to OUT/scores-SPLIT.parquet otherwise.
public sealed class PipelineRun(PipelineConfig config, string outDir, PostgresTarget? pg)
{
    public sealed record Step(string Name, bool Skipped, TimeSpan Elapsed, string Detail);

    public sealed record Result(IReadOnlyList<Step> Steps, string RunId, IReadOnlyList<RunsQueries.MetricRow> Evaluation, string Destination);

    public Action<Step>? OnStep { get; init; }
    public Action<string>? OnProgress { get; init; }
    public Action<Trainer.Epoch>? OnEpoch { get; init; }

    public string FeaturesDir => Path.Combine(outDir, "features");
    public string ModelDir => Path.Combine(outDir, "model");
    public string ScoreFile => Path.Combine(outDir, $"scores-{config.Score.Split}.parquet");

    public Result Run(CancellationToken cancellationToken = default)
    {
        config.Validate();
        Directory.CreateDirectory(outDir);
        var state = RunState.Load(outDir);
        var steps = new List<Step>();
        void Report(Step s) { steps.Add(s); OnStep?.Invoke(s); }

        // features
        var featuresFingerprint = Fingerprint.Of("features", PipelineConfigFile.Write(new PipelineConfig { Features = config.Features }),
            EventsFingerprint(config.Features.Events), SqlScript.Load().Hash());
        var manifestPath = Path.Combine(FeaturesDir, "manifest.json");
        if (state.IsDone("features", featuresFingerprint) && File.Exists(manifestPath))
        {
            Report(new Step("features", true, TimeSpan.Zero, "inputs and config unchanged"));
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var manifest = new FeatureBuilder { OnStep = OnProgress }.Build(config.Features.ToOptions(FeaturesDir));
            state.Mark(outDir, "features", featuresFingerprint);
            Report(new Step("features", false, clock.Elapsed,
                $"{manifest.RowsRead:N0} rows read, {manifest.RowsRejected:N0} rejected; {manifest.Splits.Values.Sum(s => s.Samples):N0} samples"));
        }

        // train
        var trainFingerprint = Fingerprint.Of("train", PipelineConfigFile.Write(new PipelineConfig { Train = config.Train }),
            Fingerprint.Of(File.ReadAllBytes(manifestPath)));
        var trainClock = Stopwatch.StartNew();
        var trained = ResumableTraining.Run(state, outDir, "train", trainFingerprint, FeaturesDir, ModelDir, config.Train, OnEpoch, cancellationToken);
        Report(trained.Metrics is not { } metrics
            ? new Step("train", true, TimeSpan.Zero, "features and config unchanged")
            : new Step("train", false, trainClock.Elapsed,
                (trained.ResumedAfter > 0 ? $"resumed after epoch {trained.ResumedAfter}; " : "")
                + FormattableString.Invariant($"{config.Train.Model}: valid purchase AUC {metrics["valid"].Auc["purchase"]:F4}, test {metrics["test"].Auc["purchase"]:F4}")));

        // score
        var destination = pg?.ToString() ?? ScoreFile;
        var scoreFingerprint = Fingerprint.Of("score", PipelineConfigFile.Write(new PipelineConfig { Score = config.Score }), trainFingerprint, destination);
        // The same inputs give the same run id: a rerun replaces its own rows instead of adding a run.
        var runId = config.Score.RunId ?? $"{Label(outDir)}-{scoreFingerprint[..12]}";
        // Skipped only while its output is still there: the file, or the run's published rows.
        if (state.IsDone("score", scoreFingerprint) && (pg is null ? File.Exists(ScoreFile) : new RunsQueries(pg).Status(runId) == "succeeded"))
        {
            Report(new Step("score", true, TimeSpan.Zero, $"model and config unchanged; run {runId}"));
        }
        else
        {
            var outcome = new ScoringRun(ModelDir, FeaturesDir, config.Score.Split).Run(runId, run => pg is null
                ? new ScoreFileSink(ScoreFile, run.Model.Model.Tasks)
                : new PostgresScoreSink(pg, run.Registration, run.Split), cancellationToken);
            state.Mark(outDir, "score", scoreFingerprint);
            Report(new Step("score", false, outcome.Elapsed, $"{outcome.Rows:N0} {outcome.Split} rows as run {runId} into {destination}"));
        }

        // evaluate: cheap, always
        var evalClock = Stopwatch.StartNew();
        var evaluation = pg is null ? ScoreFileEvaluation.Compute(ScoreFile) : new RunsQueries(pg).Evaluation(runId);
        Report(new Step("evaluate", false, evalClock.Elapsed, pg is null ? $"from {ScoreFile}" : $"metrics stored at publish, schema {pg.Schema}"));
        return new Result(steps, runId, evaluation, destination);
    }

    /// The output folder's name as a run id prefix (only the characters a run id allows).
    private static string Label(string dir)
    {
        var name = new string(new DirectoryInfo(dir).Name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-').Take(60).ToArray());
        return name.Length == 0 || !char.IsAsciiLetterOrDigit(name[0]) ? "run" + name : name;
    }

    /// Paths, sizes and modification times of the event files: a changed log changes the fingerprint
    /// without reading gigabytes.
    private static string EventsFingerprint(string events)
    {
        var files = InputFiles.Resolve(events);
        return string.Join('\n', files.Select(f =>
        {
            var info = new FileInfo(f);
            return $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        }));
    }
}
