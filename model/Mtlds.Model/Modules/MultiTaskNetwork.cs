using Mtlds.Model.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Mtlds.Model.Modules;

/// Input x = concat(hashed user/item/category embeddings, standardised numerics[, their pairwise dot products
/// with Interactions = dot]) → shared bottom (or MMoE
/// experts with a gate per task) → one tower per task → probabilities [N, T] (DESIGN §6). ESMM chains them
/// over the entire space: p_t = Π_{u ≤ t} σ(tower_u).
public sealed class MultiTaskNetwork : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding _user, _item, _category;
    private readonly ModuleList<Mlp> _experts;
    private readonly ModuleList<Linear> _gates;
    private readonly ModuleList<Tower> _towers;
    private readonly bool _mmoe, _chained, _sparse, _dot;

    public MultiTaskNetwork(ModelConfig config, int numericFeatures) : base("mtlds")
    {
        var towers = config.Model == "single-task" ? 1 : config.Tasks.Count;
        _mmoe = config.Model == "mmoe";
        _chained = config.Model == "esmm";
        // Sparse gradients let LazyAdam touch only the looked-up rows (see ModelConfig.Optimizer).
        var sparse = config.Optimizer == "lazy-adam";
        _user = Embedding(config.Buckets, config.EmbeddingDim, sparse: sparse);
        _item = Embedding(config.Buckets, config.EmbeddingDim, sparse: sparse);
        _category = Embedding(config.Buckets, config.EmbeddingDim, sparse: sparse);
        _sparse = sparse;
        _dot = config.Interactions == "dot";
        var inputs = 3 * config.EmbeddingDim + numericFeatures + (_dot ? 3 : 0);
        _experts = new ModuleList<Mlp>(Enumerable.Range(0, _mmoe ? config.Experts : 1)
            .Select(e => new Mlp($"expert{e}", inputs, config.Bottom)).ToArray());
        _gates = new ModuleList<Linear>(Enumerable.Range(0, _mmoe ? towers : 0)
            .Select(_ => Linear(inputs, config.Experts)).ToArray());
        _towers = new ModuleList<Tower>(Enumerable.Range(0, towers)
            .Select(t => new Tower($"tower{t}", _experts[0].Outputs, config.TowerHidden)).ToArray());
        RegisterComponents();
        if (SparseTables.Count + DenseParameters.Count != parameters().Count())
            throw new InvalidOperationException("every parameter must be either a sparse table or dense");
    }

    /// The embedding tables when their gradients are sparse (for LazyAdam); empty otherwise.
    public IReadOnlyList<Parameter> SparseTables => _sparse ? Tables : [];

    /// Every other parameter (for dense Adam).
    public IReadOnlyList<Parameter> DenseParameters =>
        (_sparse ? [] : Tables).Concat(_experts.parameters()).Concat(_gates.parameters()).Concat(_towers.parameters()).ToList();

    private Parameter[] Tables => [_user.weight!, _item.weight!, _category.weight!];

    /// ids [N, 3] int64, numeric [N, F] → probabilities [N, T].
    public override Tensor forward(Tensor ids, Tensor numeric)
    {
        using var scope = NewDisposeScope();
        var (u, i, c) = (_user.forward(ids[.., 0]), _item.forward(ids[.., 1]), _category.forward(ids[.., 2]));
        var x = _dot
            ? cat([u, i, c, numeric, (u * i).sum(1, keepdim: true), (u * c).sum(1, keepdim: true), (i * c).sum(1, keepdim: true)], 1)
            : cat([u, i, c, numeric], 1);
        Tensor[] inputs;
        if (_mmoe)
        {
            var experts = stack(_experts.Select(e => e.forward(x)).ToArray(), 1); // [N, E, H]
            inputs = _gates.Select(g => (g.forward(x).softmax(-1).unsqueeze(-1) * experts).sum(1)).ToArray();
        }
        else
        {
            var h = _experts[0].forward(x);
            inputs = Enumerable.Repeat(h, _towers.Count).ToArray();
        }
        var p = stack(_towers.Select((t, i) => t.forward(inputs[i]).sigmoid()).ToArray(), 1); // [N, T]
        if (_chained) p = p.cumprod(1);
        return p.MoveToOuterDisposeScope();
    }
}
