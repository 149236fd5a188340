using Apache.Arrow;
using Mtlds.Model.Metrics;

namespace Mtlds.Model.Training;

/// What scoring and evaluation ask of a trained model, whatever kind it is (the TorchSharp Trainer, the
/// boosted trees): predictions for every configured task and the ranking score of DESIGN §7, batch by batch.
public interface IScoringModel : IDisposable
{
    /// Scores batch by batch, for writers that stream; each Arrow batch holds whole lists.
    IEnumerable<ScoredBatch> ScoreBatches(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken = default);

    /// The metrics of one split (SplitMetrics: the same rules for every model).
    Task<SplitMetrics> EvaluateAsync(IAsyncEnumerable<RecordBatch> split, CancellationToken cancellationToken = default);
}
