using Apache.Arrow;
using Mtlds.Model.Metrics;
using Mtlds.Model.Training;
using Mtlds.Model.Trees;
using Mtlds.Pipelines.Datasets;

namespace Mtlds.Pipelines.Training;

/// Trains a model on a feature build's splits and writes the model directory: the glue between the
/// dataset on disk and the file-free trainer.
public sealed class TrainingRun(string dataDir, ModelConfig config)
{
    public Action<Trainer.Epoch>? OnEpoch { get; init; }
    public Action<long, double>? OnStep { get; init; }
    /// Share of training lists whose stages are shuffled among their rows (LabelShuffle: label noise); 0 trains
    /// on the data as it is.
    public double LabelShuffle { get; init; }
    /// Valid and test periods (the rest train) instead of the build's default split; a count not given keeps the build's.
    public (int? Valid, int? Test)? SplitPeriods { get; init; }
        /// Continue from the checkpoint in the output directory, when there is one.
    public bool Resume { get; init; }
    /// Told the epoch a resumed training continues after (0: there was no checkpoint, training starts afresh).
    public Action<int>? OnResume { get; init; }

    public static FeatureSpec FeatureSpecOf(ListBatchReader reader) => new(
        reader.Manifest.Features.Select(f => f.Name).ToList(),
        reader.Manifest.Features.Select(f => f.Log1pMean).ToList(),
        reader.Manifest.Features.Select(f => f.Log1pStd).ToList());

    /// The shuffle's seed for an epoch: every (seed, epoch) its own, the same in every process.
    public static int ShuffleSeed(int seed, int epoch) => unchecked((int)((uint)seed * 2654435761u ^ (uint)epoch * 40503u));

        /// Rows per Arrow batch for a number of lists, from the split's mean list length.
    public static int TargetRows(ListBatchReader reader, int lists)
    {
        var train = reader.Manifest.Splits["train"];
        return (int)Math.Max(1, Math.Min(1_000_000, lists * (train.Lists == 0 ? 1 : (double)train.Samples / train.Lists)));
    }

    public async Task<IReadOnlyDictionary<string, SplitMetrics>> RunAsync(string outDir, CancellationToken cancellationToken = default)
    {
        try { config.Validate(); }
        catch (ArgumentException e) { throw new ConfigurationException(e.Message); }
        var reader = new ListBatchReader(dataDir, SplitPeriods) { SampleColumns = ListBatch.SampleColumns };
        var rows = TargetRows(reader, config.BatchLists);
        if (config.Model == "lightgbm") return await RunTreesAsync(reader, rows, outDir, cancellationToken);
        using var trainer = new Trainer(config, FeatureSpecOf(reader));
        IAsyncEnumerable<RecordBatch> Split(string s) => s == "train" && LabelShuffle > 0
            ? Training.LabelShuffle.Apply(reader.ReadAsync(s, rows, cancellationToken), LabelShuffle, config.Seed)
            : reader.ReadAsync(s, rows, cancellationToken);
        // The seed varies the initial weights (Trainer) and, through this, the order of every epoch's lists.
        IAsyncEnumerable<RecordBatch> EpochSplit(string s, int epoch) => s == "train" && config.ShuffleLists > 0
            ? ListShuffleBuffer.Shuffle(Split(s), config.ShuffleLists, rows, ShuffleSeed(config.Seed, epoch))
            : Split(s);
        Trainer.Result result;
        using (var checkpoint = Resume ? ModelDirectory.OpenCheckpoint(outDir) : null)
        {
            try
            {
                if (Resume) OnResume?.Invoke(checkpoint is null ? 0 : TrainingCheckpoint.PeekEpoch(checkpoint));
                result = await trainer.FitAsync(EpochSplit, OnEpoch, OnStep, cancellationToken,
                    onCheckpoint: c => ModelDirectory.SaveCheckpoint(outDir, c), resumeFrom: checkpoint);
            }
            catch (InvalidDataException e) when (checkpoint is not null)
            {
                throw new InputException($"{Path.Combine(outDir, ModelDirectory.CheckpointFile)}: {e.Message}");
            }
        }
        var metrics = new SortedDictionary<string, SplitMetrics>
        {
            ["valid"] = result.Valid,
            ["test"] = await trainer.EvaluateAsync(Split("test"), cancellationToken),
        };
        ModelDirectory.Save(outDir, trainer, DirectoryConfig(reader), metrics, result.Curve);
        ModelDirectory.DeleteCheckpoint(outDir);
        return metrics;
    }

    private ModelDirectory.Config DirectoryConfig(ListBatchReader reader) => new(config, FeatureSpecOf(reader), reader.Manifest.SqlHash,
        SplitPeriods is null ? null : reader.Manifest.ValidPeriods, SplitPeriods is null ? null : reader.Manifest.TestPeriods);

    /// LightGBM: one fit per task over the whole train split (in memory), early stopping on valid; no epochs,
    /// so no checkpoint to resume from (a resumed run trains afresh).
    private async Task<IReadOnlyDictionary<string, SplitMetrics>> RunTreesAsync(ListBatchReader reader, int rows, string outDir,
        CancellationToken cancellationToken)
    {
        if (LabelShuffle > 0) throw new ConfigurationException("train.label_shuffle shuffles the stages within training lists; the lightgbm baseline does not apply it");
        if (Resume) OnResume?.Invoke(0);
        ModelDirectory.DeleteCheckpoint(outDir);
        var (trees, result) = BoostedTrees.Fit(config, FeatureSpecOf(reader),
            reader.ReadAsync("train", rows, cancellationToken), reader.ReadAsync("valid", rows, cancellationToken), cancellationToken);
        using (trees)
        {
            foreach (var e in result.Curve) OnEpoch?.Invoke(e);
            var metrics = new SortedDictionary<string, SplitMetrics>
            {
                ["valid"] = result.Valid,
                ["test"] = await trees.EvaluateAsync(reader.ReadAsync("test", rows, cancellationToken), cancellationToken),
            };
            ModelDirectory.Save(outDir, trees, DirectoryConfig(reader), metrics, result.Curve);
            return metrics;
        }
    }
}
