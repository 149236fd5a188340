using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Optimization;

/// Adam for embedding tables whose gradients are sparse (Embedding with sparse: true): a step reads and writes
/// only the rows the batch looked up, as PyTorch's SparseAdam does (TorchSharp 0.107 has none). Rows a batch did
/// not touch keep their moments instead of decaying them. Why: a dense Adam step walks every row of the
/// 100k-bucket tables, moments included, on every step; that was 43 % of a training step.
public sealed class LazyAdam : IDisposable
{
    private readonly AdamState _state;
    private readonly double _lr, _beta1, _beta2, _eps;

    public LazyAdam(IEnumerable<Parameter> tables, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _state = new AdamState(tables);
        (_lr, _beta1, _beta2, _eps) = (lr, beta1, beta2, eps);
    }

    /// Zeroes the gradients, so the next backward starts a fresh sparse gradient instead of adding to the last.
    public void ZeroGrad() => _state.ZeroGrad();

    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        // Scalars held for the call (see Scalars: an implicit conversion may be finalized mid-call).
        using var beta1 = _beta1.ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var rest1 = (1 - _beta1).ToScalar();
        using var rest2 = (1 - _beta2).ToScalar();
        using var eps = _eps.ToScalar();
        var (tables, first, second, steps) = (_state.Parameters, _state.First, _state.Second, _state.Steps);
        for (var i = 0; i < tables.Length; i++)
        {
            var table = tables[i];
            if (table.grad is not { } grad) continue;
            if (!grad.is_sparse)
                throw new InvalidOperationException("LazyAdam needs sparse gradients; create the embedding with sparse: true");
            // The embedding's sparse gradient has one entry per lookup; sum the entries of each row (what
            // coalesce() does; TorchSharp does not bind it).
            var lookups = grad.SparseIndices[0];
            if (lookups.shape[0] == 0) continue;
            var (rows, inverse, _) = lookups.unique(sorted: true, return_inverse: true);
            var g = zeros(rows.shape[0], table.shape[1], dtype: table.dtype).index_add_(0, inverse!, grad.SparseValues, Scalars.One);
            steps[i]++;
            var m = first[i].index_select(0, rows).mul_(beta1).add_(g, rest1);
            var v = second[i].index_select(0, rows).mul_(beta2).addcmul_(g, g, rest2);
            first[i].index_copy_(0, rows, m);
            second[i].index_copy_(0, rows, v);
            var bias1 = 1 - Math.Pow(_beta1, steps[i]);
            var bias2 = 1 - Math.Pow(_beta2, steps[i]);
            using var minusStep = (-_lr * Math.Sqrt(bias2) / bias1).ToScalar();
            table.index_add_(0, rows, m.div(v.sqrt().add_(eps, Scalars.One)), minusStep);
        }
    }

    /// The step counts and moments, in the order of the tables.
    public void Save(BinaryWriter writer) => _state.Save(writer);

    public void Load(BinaryReader reader) => _state.Load(reader);

    public void Dispose() => _state.Dispose();
}
