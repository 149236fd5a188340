using Mtlds.Model.Metrics;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Training;

namespace Mtlds.Pipelines.Runs;

/// One training into a model folder, done once per fingerprint of its inputs: skipped while a finished model
/// of that fingerprint is there; resumed from the checkpoint when the interrupted training had the same
/// fingerprint; otherwise started afresh. Shared by `mtlds run` and the cells of `mtlds experiment`.
public static class ResumableTraining
{
    /// Skipped: nothing ran. ResumedAfter: the epoch a resumed training continued after (0: none).
    public sealed record Outcome(bool Skipped, int ResumedAfter, IReadOnlyDictionary<string, SplitMetrics>? Metrics);

    public static Outcome Run(RunState state, string stateDir, string key, string fingerprint, string featuresDir, string modelDir,
        PipelineConfig.TrainSection train, Action<Trainer.Epoch>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        if (state.IsDone(key, fingerprint) && File.Exists(Path.Combine(modelDir, "metrics.json")))
            return new Outcome(true, 0, null);

        // A checkpoint continues only the training it came from: the one this fingerprint names.
        var resume = state.Done.GetValueOrDefault(key + ".started") == fingerprint;
        if (!resume) ModelDirectory.DeleteCheckpoint(modelDir);
        // The model folder is about to change: until this training ends, no earlier one counts as done.
        state.Done.Remove(key);
        state.Mark(stateDir, key + ".started", fingerprint);
        var resumedAfter = 0;
        var metrics = new TrainingRun(featuresDir, train.ToModelConfig())
        {
            LabelShuffle = train.LabelShuffle,
            Resume = resume,
            OnResume = epoch => resumedAfter = epoch,
            OnEpoch = onEpoch,
        }.RunAsync(modelDir, cancellationToken).GetAwaiter().GetResult();
        state.Mark(stateDir, key, fingerprint);
        return new Outcome(false, resumedAfter, metrics);
    }
}
