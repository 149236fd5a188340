using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtlds.Model.Optimization;

/// The optimizer a training uses: Adam (DenseAdam) for the dense weights and, when the embedding tables have
/// sparse gradients, LazyAdam for the tables. Saved and restored as one state for checkpoints.
public sealed class ModelOptimizer : IDisposable
{
    private readonly DenseAdam _dense;
    private readonly LazyAdam? _tables;

    /// `tables` are the parameters with sparse gradients (empty when the embeddings are dense).
    public ModelOptimizer(IEnumerable<Parameter> dense, IReadOnlyList<Parameter> tables, double lr)
    {
        _dense = new DenseAdam(dense, lr);
        _tables = tables.Count == 0 ? null : new LazyAdam(tables, lr);
    }

    public void ZeroGrad()
    {
        _dense.ZeroGrad();
        _tables?.ZeroGrad();
    }

    public void Step()
    {
        _dense.Step();
        _tables?.Step();
    }

    public void Save(BinaryWriter writer)
    {
        _dense.Save(writer);
        _tables?.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        _dense.Load(reader);
        _tables?.Load(reader);
    }

    public void Dispose()
    {
        _dense.Dispose();
        _tables?.Dispose();
    }
}
