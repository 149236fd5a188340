using static TorchSharp.torch;

namespace Mtlds.Model.Sorting;

/// A differentiable relaxation of the sorting permutation of each list of scores.
public interface IPermutationRelaxation
{
    string Name { get; }

    /// log P̂ for scores [B, n] with mask [B, n] (true: a real item, false: padding; real items first):
    /// [B, n, n], row i = rank position (largest score first), column j = item. Rows sum to 1 over real items;
    /// padded columns are −∞ (probability 0); padded rows are finite but meaningless and carry no loss.
    Tensor LogPermutation(Tensor scores, Tensor mask, double tau);
}
