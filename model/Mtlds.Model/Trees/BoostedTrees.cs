using Apache.Arrow;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using Mtlds.Model.Metrics;
using Mtlds.Model.Training;

namespace Mtlds.Model.Trees;

/// The yardstick (`--model lightgbm`): one LightGBM binary classifier per task (click, cart, purchase), through
/// ML.NET, on the same feature build's numeric features the networks read (raw values, a null as 0 as the SQL
/// defines; trees need no standardisation). No ids: a tree cannot learn user × item affinity from hashed ids,
/// which is what the networks' embeddings are for. Scored by the same rules as every model (DESIGN §7): its
/// ranking score is the sum of its task probabilities.
///
/// Training holds the train and valid rows in memory (4 bytes per feature per row); each task boosts up to
/// BoostingRounds trees and stops early when the valid split's log loss has not improved for BoostingPatience
/// rounds. The seed drives row bagging (80 % of the rows per tree) and feature sampling (80 % per tree), so
/// seeds vary the model as they vary the networks' initial weights and data order.
public sealed class BoostedTrees : IScoringModel
{
    public void Dispose() { } // ML.NET's transformers hold managed memory only

    private readonly ModelConfig _config;
    private readonly FeatureSpec _features;
    private readonly MLContext _ml;
    private readonly ITransformer[] _models;
    private readonly DataViewSchema _schema;

    private BoostedTrees(ModelConfig config, FeatureSpec features, MLContext ml, ITransformer[] models)
    {
        _config = config;
        _features = features;
        _ml = ml;
        _models = models;
        _schema = ml.Data.LoadFromEnumerable(System.Array.Empty<TreeRow>(), RowSchema(features.Count)).Schema;
    }

    /// Trees per task, in task order, after early stopping.
    public IReadOnlyList<int> TreeCounts => _models.Select(TreeCount).ToList();

    /// Trains one classifier per task; `valid` drives early stopping and gives the returned metrics.
    public static (BoostedTrees Model, Trainer.Result Result) Fit(ModelConfig config, FeatureSpec features,
        IAsyncEnumerable<RecordBatch> train, IAsyncEnumerable<RecordBatch> valid, CancellationToken cancellationToken = default)
    {
        config.Validate();
        if (config.Model != "lightgbm") throw new ArgumentException($"BoostedTrees trains lightgbm, not {config.Model}");
        var ml = new MLContext(seed: config.Seed);
        var trainRows = Rows(train, features, cancellationToken);
        var validRows = Rows(valid, features, cancellationToken);
        var schema = RowSchema(features.Count);
        var models = new ITransformer[config.Tasks.Count];
        for (var t = 0; t < config.Tasks.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var threshold = ScoredBatch.Threshold(config.Tasks[t]);
            var trainer = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                LabelColumnName = nameof(TreeRow.Label),
                FeatureColumnName = nameof(TreeRow.Features),
                NumberOfIterations = config.BoostingRounds,
                EarlyStoppingRound = config.BoostingPatience,
                LearningRate = config.BoostingLearningRate,
                NumberOfLeaves = config.Leaves,
                EvaluationMetric = LightGbmBinaryTrainer.Options.EvaluateMetricType.Logloss,
                Booster = new GradientBooster.Options { SubsampleFraction = 0.8, SubsampleFrequency = 1, FeatureFraction = 0.8 },
                Seed = config.Seed,
                Deterministic = true,
                NumberOfThreads = Environment.ProcessorCount,
                Silent = true,
            });
            models[t] = trainer.Fit(
                ml.Data.LoadFromEnumerable(trainRows.Labelled(threshold), schema),
                ml.Data.LoadFromEnumerable(validRows.Labelled(threshold), schema));
        }
        var model = new BoostedTrees(config, features, ml, models);
        var validMetrics = model.Evaluate(valid, cancellationToken);
        // One "epoch": the boosted ensemble; Steps counts its trees over all tasks.
        var epoch = new Trainer.Epoch(1, double.NaN, model.TreeCounts.Sum(), validMetrics, true);
        return (model, new Trainer.Result([epoch], 1, validMetrics));
    }

    /// Times one whole fit (every task, BoostingRounds trees each, no early stopping) over batches held in
    /// memory: samples/s is their rows over the fit's seconds; Steps reports the trees grown.
    public static Trainer.StepTiming MeasureFit(ModelConfig config, FeatureSpec features, IReadOnlyList<RecordBatch> batches)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (model, _) = Fit(config with { BoostingPatience = config.BoostingRounds }, features, batches.ToAsyncEnumerable(), batches.Take(1).ToAsyncEnumerable());
        clock.Stop();
        using (model)
            return new Trainer.StepTiming(config.Model, batches.Sum(b => (long)b.Length), model.TreeCounts.Sum(), clock.Elapsed.TotalSeconds, 0, 0, 0);
    }

    /// The classifier of one task as ML.NET saves it (a zip), to a stream the caller opened.
    public void Save(string task, Stream into) => _ml.Model.Save(_models[TaskIndex(task)], _schema, into);

    /// A model saved task by task: `open(task)` gives each task's stream.
    public static BoostedTrees Load(ModelConfig config, FeatureSpec features, Func<string, Stream> open)
    {
        var ml = new MLContext(seed: config.Seed);
        var models = config.Tasks.Select(task =>
        {
            using var s = open(task);
            return ml.Model.Load(s, out _);
        }).ToArray();
        return new BoostedTrees(config, features, ml, models);
    }

    public Task<SplitMetrics> EvaluateAsync(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken = default) =>
        Task.FromResult(Evaluate(split, cancellationToken));

    private SplitMetrics Evaluate(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken) =>
        SplitMetricsAccumulator.Of(_config.Tasks, ScoreBatches(split, cancellationToken));

    public IEnumerable<ScoredBatch> ScoreBatches(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken = default)
    {
        var schema = RowSchema(_features.Count);
        foreach (var arrow in split.ToBlockingEnumerable(cancellationToken))
        {
            var rows = FeatureRows.Of(arrow, _features);
            var data = _ml.Data.LoadFromEnumerable(rows.Labelled(threshold: int.MaxValue), schema); // scoring reads no label
            var probabilities = new double[_config.Tasks.Count][];
            for (var t = 0; t < _models.Length; t++)
                probabilities[t] = _models[t].Transform(data).GetColumn<float>("Probability").Select(p => (double)p).ToArray();
            var scores = new double[arrow.Length];
            for (var i = 0; i < scores.Length; i++)
                foreach (var p in probabilities) scores[i] += p[i];
            var user = ListBatch.Longs(arrow, "user_id");
            var period = ListBatch.Longs(arrow, "period");
            yield return new ScoredBatch(_config.Tasks, probabilities, scores, [.. rows.Stages], user, ListBatch.Longs(arrow, "item_id"), period,
                ListLayout.Ranges(user, period))
            { Categories = ListBatch.Longs(arrow, "category_id"), UserClicks7p = ListBatch.UserClicks(arrow) };
        }
    }

    private int TaskIndex(string task)
    {
        var t = _config.Tasks.ToList().IndexOf(task);
        return t >= 0 ? t : throw new ArgumentException($"the model has no task '{task}'", nameof(task));
    }

    private static int TreeCount(ITransformer model) =>
        model is BinaryPredictionTransformer<Microsoft.ML.Calibrators.CalibratedModelParametersBase<LightGbmBinaryModelParameters, Microsoft.ML.Calibrators.PlattCalibrator>> p
            ? p.Model.SubModel.TrainedTreeEnsemble.Trees.Count
            : -1;

    private static FeatureRows Rows(IAsyncEnumerable<RecordBatch> split, FeatureSpec features, CancellationToken cancellationToken)
    {
        var all = new FeatureRows();
        foreach (var arrow in split.ToBlockingEnumerable(cancellationToken))
        {
            var rows = FeatureRows.Of(arrow, features);
            all.Features.AddRange(rows.Features);
            all.Stages.AddRange(rows.Stages);
        }
        return all;
    }

    /// The rows' schema: a fixed-size vector of the features (its size is known only at run time).
    private static SchemaDefinition RowSchema(int features)
    {
        var schema = SchemaDefinition.Create(typeof(TreeRow));
        schema[nameof(TreeRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return schema;
    }

    /// One row as ML.NET reads it.
    private sealed class TreeRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    /// Rows' feature vectors and stages, in order.
    private sealed class FeatureRows
    {
        public List<float[]> Features { get; } = [];
        public List<int> Stages { get; } = [];

        public static FeatureRows Of(RecordBatch arrow, FeatureSpec spec)
        {
            var n = arrow.Length;
            var column = new float[n];
            var rows = new FeatureRows();
            for (var i = 0; i < n; i++) rows.Features.Add(new float[spec.Count]);
            for (var c = 0; c < spec.Count; c++)
            {
                ListBatch.CopyFeature(arrow, spec.Names[c], column);
                for (var i = 0; i < n; i++) rows.Features[i][c] = column[i];
            }
            rows.Stages.AddRange(ListBatch.Ints(arrow, "stage"));
            return rows;
        }

        /// The rows with the label "stage ≥ threshold" (ML.NET may read them more than once).
        public IEnumerable<TreeRow> Labelled(int threshold)
        {
            for (var i = 0; i < Features.Count; i++)
                yield return new TreeRow { Features = Features[i], Label = Stages[i] >= threshold };
        }
    }
}
