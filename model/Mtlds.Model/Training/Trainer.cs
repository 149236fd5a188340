using Apache.Arrow;
using Mtlds.Model.Metrics;
using Mtlds.Model.Modules;
using Mtlds.Model.Modules.Aggregators;
using Mtlds.Model.Optimization;
using Mtlds.Model.Sorting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Training;

/// Trains a MultiTaskNetwork on streams of Arrow batches (whole lists per batch) with Adam, evaluates the
/// validation split after every epoch and keeps the weights of the best validation purchase AUC (early
/// stopping after `Patience` epochs without improvement). It reads no files: the caller hands it the splits.
public sealed class Trainer : IScoringModel
{
    private readonly ModelConfig _config;
    private readonly FeatureSpec _features;
    private readonly IPermutationRelaxation _relaxation;

    public MultiTaskNetwork Network { get; }
    /// The score operator (MTLDS, ListNet); null for the baselines, which rank by the sum of their probabilities.
    public Aggregator? Aggregator { get; }

    public Trainer(ModelConfig config, FeatureSpec features)
    {
        config.Validate();
        if (config.Model == "lightgbm") throw new ArgumentException("lightgbm is not a network: BoostedTrees trains it");
        _config = config;
        _features = features;
        random.manual_seed(config.Seed);
        Network = new MultiTaskNetwork(config, features.Count);
        Aggregator = config.Model is "mtlds" or "listnet" ? Modules.Aggregators.Aggregator.Create(config.Aggregator, config.Tasks.Count) : null;
        _relaxation = config.Sort == "neuralsort" ? new NeuralSort() : new SoftSort();
    }

    public sealed record Epoch(int Number, double TrainLoss, long Steps, SplitMetrics Valid, bool Best);

    public sealed record Result(IReadOnlyList<Epoch> Curve, int BestEpoch, SplitMetrics Valid);

    /// Trains and returns the curve; afterwards Network holds the best epoch's weights. After every epoch
    /// `onCheckpoint` receives the whole training state (weights, Adam moments, best weights, curve) to write
    /// where the caller likes; `resumeFrom` is such a state, from which training continues with the next epoch
    /// and reaches the same weights as an uninterrupted run with the same seed.
    public Task<Result> FitAsync(Func<string, IAsyncEnumerable<RecordBatch>> split, Action<Epoch>? onEpoch = null,
        Action<long, double>? onStep = null, CancellationToken cancellationToken = default,
        Action<TrainingCheckpoint>? onCheckpoint = null, Stream? resumeFrom = null) =>
        FitAsync((name, _) => split(name), onEpoch, onStep, cancellationToken, onCheckpoint, resumeFrom);

    /// As above, with the split asked for by name and epoch (1-based), so that a caller can give each epoch its
    /// own order of the training lists (and a resumed training the same order the uninterrupted one had).
    public Task<Result> FitAsync(Func<string, int, IAsyncEnumerable<RecordBatch>> split, Action<Epoch>? onEpoch = null,
        Action<long, double>? onStep = null, CancellationToken cancellationToken = default,
        Action<TrainingCheckpoint>? onCheckpoint = null, Stream? resumeFrom = null) =>
        Task.FromResult(Fit(split, onEpoch, onStep, cancellationToken, onCheckpoint, resumeFrom));

    private Result Fit(Func<string, int, IAsyncEnumerable<RecordBatch>> split, Action<Epoch>? onEpoch,
        Action<long, double>? onStep, CancellationToken cancellationToken, Action<TrainingCheckpoint>? onCheckpoint, Stream? resumeFrom)
    {
        using var optimizer = NewOptimizer();
        var progress = new TrainingCheckpoint.Progress(ConfigJson(), 0, 0, double.NegativeInfinity, 0, []);
        Dictionary<string, Tensor>? best = null;
        if (resumeFrom is not null)
            (progress, best) = TrainingCheckpoint.Read(resumeFrom, ConfigJson(), this, optimizer);
        var curve = progress.Curve.ToList();
        var bestAuc = progress.BestAuc;
        var bestEpoch = progress.BestEpoch;
        var step = progress.Step;
        try
        {
            for (var epoch = progress.Epoch + 1; epoch <= _config.Epochs; epoch++)
            {
                if (bestEpoch > 0 && epoch - 1 - bestEpoch >= _config.Patience) break; // early stopping
                Network.train();
                Aggregator?.train();
                double lossSum = 0;
                long steps = 0;
                // Consumed on this thread: libtorch's grad mode and TorchSharp's dispose scopes are thread-local,
                // and an await foreach would resume tensor work on whatever pool thread finished the read.
                foreach (var arrow in split("train", epoch).ToBlockingEnumerable(cancellationToken))
                {
                    using var batch = ListBatch.FromArrow(arrow, _features, _config.Tasks, _config.Buckets, _config.ListCap);
                    using var scope = NewDisposeScope();
                    optimizer.ZeroGrad();
                    step++;
                    Tensor loss;
                    // binary_cross_entropy refuses NaN probabilities in native code before the loss can be NaN.
                    try { loss = Loss(batch); }
                    catch (System.Runtime.InteropServices.ExternalException e) when (e.Message.Contains("between 0 and 1", StringComparison.Ordinal))
                    {
                        throw new TrainingDivergedException(
                            $"the predicted probabilities are NaN at epoch {epoch}, step {step} (a NaN feature or exploding weights); check the features, lower the learning rate or raise --tau", e);
                    }
                    var value = loss.item<float>();
                    if (!float.IsFinite(value))
                        throw new TrainingDivergedException(
                            $"the loss is {value} at epoch {epoch}, step {step}; lower the learning rate or raise --tau");
                    loss.backward();
                    optimizer.Step();
                    lossSum += value;
                    steps++;
                    onStep?.Invoke(step, value);
                }
                var valid = Evaluate(split("valid", epoch), cancellationToken);
                var auc = valid.Auc["purchase"];
                var improved = !double.IsNaN(auc) && auc > bestAuc;
                if (improved)
                {
                    bestAuc = auc;
                    bestEpoch = epoch;
                    if (best is not null) foreach (var t in best.Values) t.Dispose();
                    using (no_grad()) best = State().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
                }
                var report = new Epoch(epoch, steps == 0 ? double.NaN : lossSum / steps, steps, valid, improved);
                curve.Add(report);
                onEpoch?.Invoke(report);
                if (onCheckpoint is not null)
                {
                    var state = new TrainingCheckpoint.Progress(ConfigJson(), epoch, step, bestAuc, bestEpoch, curve.ToList());
                    onCheckpoint(new TrainingCheckpoint(epoch, stream => TrainingCheckpoint.Write(stream, state, this, optimizer, best)));
                }
            }
            if (curve.Count == 0) throw new InvalidOperationException("no epoch was trained");
            if (best is not null) Restore(best);
        }
        finally
        {
            if (best is not null) foreach (var t in best.Values) t.Dispose();
        }
        return new Result(curve, bestEpoch, curve.FirstOrDefault(e => e.Number == bestEpoch)?.Valid ?? curve[^1].Valid);
    }

    public sealed record StepTiming(string Model, long Samples, int Steps, double Seconds, double SortSeconds, double ConvertSeconds, double FlopsPerSample)
    {
        /// The share of the machine's matmul throughput the step loop reaches (FLOPs/s over peak FLOPs/s).
        public double ComputeShare(double peakGflops) => SamplesPerSecond * FlopsPerSample / (peakGflops * 1e9);
        /// The share of step time spent turning Arrow columns into tensors (hashing ids, standardising, list layout).
        public double ConvertShare => ConvertSeconds / Seconds;
        public double SamplesPerSecond => Samples / Seconds;
        /// The share of step time the differentiable sort (forward and backward) takes; 0 without one.
        public double SortShare => SortSeconds / Seconds;
    }

    /// Times the steady-state training step (Arrow batch → tensors, forward, backward, Adam) over batches held
    /// in memory, cycling through them, after `warmup` untimed steps. For MTLDS it also times the permutation
    /// relaxation and the sorting loss alone, forward and backward, on the same lists.
    public StepTiming MeasureSteps(IReadOnlyList<RecordBatch> batches, int warmup, int steps)
    {
        if (batches.Count == 0) throw new ArgumentException("no batches to time");
        using var optimizer = NewOptimizer();
        Network.train();
        Aggregator?.train();
        var clock = new System.Diagnostics.Stopwatch();
        var sortClock = new System.Diagnostics.Stopwatch();
        var convertClock = new System.Diagnostics.Stopwatch();
        long samples = 0;
        for (var i = 0; i < warmup + steps; i++)
        {
            var timed = i >= warmup;
            var arrow = batches[i % batches.Count];
            if (timed) { clock.Start(); convertClock.Start(); }
            var converted = ListBatch.FromArrow(arrow, _features, _config.Tasks, _config.Buckets, _config.ListCap);
            convertClock.Stop();
            using (var batch = converted)
            using (NewDisposeScope())
            {
                optimizer.ZeroGrad();
                var loss = Loss(batch);
                loss.backward();
                optimizer.Step();
                _ = loss.item<float>(); // waits for the step, as training does
                if (timed)
                {
                    clock.Stop();
                    samples += batch.Rows;
                    if (_config.Model == "mtlds") TimeSort(batch, sortClock);
                }
            }
        }
        return new StepTiming(_config.Model, samples, steps, clock.Elapsed.TotalSeconds, sortClock.Elapsed.TotalSeconds,
            convertClock.Elapsed.TotalSeconds, TrainingFlopsPerSample);
    }

    /// FLOPs of one sample's training step in the dense layers (network and aggregator): 2·in·out per Linear
    /// forward, twice that backward. Embedding lookups, the sort and Adam are left out (they are not matmuls).
    public double TrainingFlopsPerSample =>
        3 * Network.named_modules().Select(m => m.module).Concat(Aggregator?.named_modules().Select(m => m.module) ?? [])
            .OfType<TorchSharp.Modules.Linear>().Sum(l => 2.0 * l.weight!.shape[0] * l.weight.shape[1]);

    private void TimeSort(ListBatch batch, System.Diagnostics.Stopwatch clock)
    {
        using var scope = NewDisposeScope();
        Tensor scores;
        using (no_grad())
        {
            var s = Aggregator!.forward(Network.forward(batch.Ids, batch.Numeric));
            scores = cat([s, zeros(new long[] { 1 }, dtype: s.dtype)]).index_select(0, batch.Gather.flatten()).reshape(batch.Gather.shape);
        }
        var stages = cat([batch.SortTarget, zeros(new long[] { 1 }, dtype: ScalarType.Int64)]).index_select(0, batch.Gather.flatten()).reshape(batch.Gather.shape);
        var leaf = scores.detach().requires_grad_(true);
        clock.Start();
        var loss = SortingLoss.Compute(_relaxation.LogPermutation(leaf, batch.Mask, _config.Tau), stages, batch.Mask);
        loss.backward();
        _ = loss.item<float>();
        clock.Stop();
    }

    private ModelOptimizer NewOptimizer()
    {
        var dense = Network.DenseParameters.Concat(Aggregator?.parameters() ?? []);
        return new ModelOptimizer(dense, Network.SparseTables, _config.LearningRate);
    }

    /// The config as a checkpoint records it: a checkpoint only resumes the training it came from.
    private string ConfigJson() => System.Text.Json.JsonSerializer.Serialize(_config);

    /// Predictions and metrics for one split.
    public Task<SplitMetrics> EvaluateAsync(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken = default) =>
        Task.FromResult(Evaluate(split, cancellationToken));

    private SplitMetrics Evaluate(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken) =>
        SplitMetricsAccumulator.Of(_config.Tasks, ScoreBatches(split, cancellationToken));

    /// Scores batch by batch, for writers that stream (files, PostgreSQL COPY). Consume it on the calling
    /// thread without awaiting between items: gradients are off (thread-local) until the enumeration ends.
    public IEnumerable<ScoredBatch> ScoreBatches(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken = default)
    {
        Network.eval();
        Aggregator?.eval();
        var tasks = _config.Tasks;
        using var noGrad = no_grad();
        foreach (var arrow in split.ToBlockingEnumerable(cancellationToken)) // on this thread: see FitAsync
        {
            ScoredBatch scored;
            using (var batch = ListBatch.FromArrow(arrow, _features, tasks, _config.Buckets, _config.ListCap))
            using (NewDisposeScope())
            {
                var p = Probabilities(batch);
                var s = Score(p);
                var pData = p.to_type(ScalarType.Float64).data<double>().ToArray();
                var perTask = new double[tasks.Count][];
                for (var t = 0; t < tasks.Count; t++)
                {
                    perTask[t] = new double[batch.Rows];
                    for (var i = 0; i < batch.Rows; i++) perTask[t][i] = pData[i * tasks.Count + t];
                }
                scored = new ScoredBatch(tasks, perTask, s.to_type(ScalarType.Float64).data<double>().ToArray(),
                    batch.StageValues, batch.UserIds, batch.ItemIds, batch.Periods, batch.Lists)
                { Categories = batch.CategoryIds, UserClicks7p = batch.UserClicks7p };
            }
            yield return scored;
        }
    }

    /// Probabilities [N, T] for every configured task; the single-task model fills the others from its one tower.
    private Tensor Probabilities(ListBatch batch)
    {
        var p = Network.forward(batch.Ids, batch.Numeric);
        return _config.Model == "single-task" ? p.expand(-1, _config.Tasks.Count) : p;
    }

    /// The ranking score (DESIGN §7's protocol): the aggregator's, or for a model without one the sum of its
    /// task probabilities, so graded NDCG ranks every model by the same kind of rule (ranking a baseline by
    /// p_purchase alone would give up the click and cart gains the metric rewards).
    private Tensor Score(Tensor p) => Aggregator is null ? p.sum(-1) : Aggregator.forward(p);

    private Tensor Loss(ListBatch batch)
    {
        var p = Network.forward(batch.Ids, batch.Numeric).clamp(Scalars.ProbabilityFloor, Scalars.ProbabilityCeiling);
        var bce = _config.Model == "single-task"
            ? nn.functional.binary_cross_entropy(p[.., 0], batch.Labels[.., -1])
            : nn.functional.binary_cross_entropy(p, batch.Labels, reduction: nn.Reduction.None).mean(new long[] { 0 }).sum();
        if (Aggregator is null) return bce;

        // Scores and stages laid out as lists [L, M]; row N of the padded copies is the padding.
        var s = Aggregator.forward(p);
        var padded = cat([s, zeros(new long[] { 1 }, dtype: s.dtype)]).index_select(0, batch.Gather.flatten()).reshape(batch.Gather.shape);
        var stages = cat([batch.SortTarget, zeros(new long[] { 1 }, dtype: ScalarType.Int64)]).index_select(0, batch.Gather.flatten()).reshape(batch.Gather.shape);
        var listLoss = _config.Model == "listnet"
            ? ListNet(padded, stages, batch.Mask)
            : SortingLoss.Compute(_relaxation.LogPermutation(padded, batch.Mask, _config.Tau), stages, batch.Mask);
        using var lambda = _config.Lambda.ToScalar();
        return listLoss.add(bce.mul(lambda), Scalars.One); // `+` would pass its alpha as a Scalar nobody holds
    }

    /// ListNet (Cao et al. 2007), top-one: cross-entropy between softmax(stage) and softmax(score) per list.
    private static Tensor ListNet(Tensor scores, Tensor stages, Tensor mask)
    {
        var padding = mask.logical_not();
        var target = stages.to_type(scores.dtype).masked_fill(padding, Scalars.NegativeInfinity).softmax(-1);
        var logP = scores.masked_fill(padding, Scalars.NegativeInfinity).log_softmax(-1).masked_fill(padding, Scalars.Zero);
        var perList = -(target * logP).sum(-1);
        return perList.mean();
    }

    /// Every learned tensor by name (network and aggregator), for checkpoints and the best epoch.
    public Dictionary<string, Tensor> State()
    {
        var state = Network.state_dict().ToDictionary(kv => "network." + kv.Key, kv => kv.Value);
        foreach (var (k, v) in Aggregator?.state_dict() ?? []) state["aggregator." + k] = v;
        return state;
    }

    private void Restore(Dictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        foreach (var (k, v) in State()) v.copy_(state[k]);
    }

    public void Dispose()
    {
        Network.Dispose();
        Aggregator?.Dispose();
    }
}
