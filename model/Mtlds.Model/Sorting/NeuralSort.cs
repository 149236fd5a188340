using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Sorting;

/// NeuralSort (Grover et al., ICLR 2019), eq. 5: P̂[i, :] = softmax(((n + 1 − 2i) s − A_s 1) / τ), with
/// A_s[j, k] = |s_j − s_k| and i = 1..n, computed per list over its real items only.
public sealed class NeuralSort : IPermutationRelaxation
{
    public string Name => "neuralsort";

    public Tensor LogPermutation(Tensor scores, Tensor mask, double tau)
    {
        using var scope = NewDisposeScope();
        using var t = tau.ToScalar();
        var real = mask.to_type(scores.dtype);
        var n = real.sum(-1, keepdim: true); // [B, 1] real items per list
        var pairwise = (scores.unsqueeze(-1) - scores.unsqueeze(-2)).abs() * real.unsqueeze(-2); // [B, n, n]
        var rowSums = pairwise.sum(-1); // [B, n]: Σ_k |s_j − s_k| over real k
        using var first = 1.ToScalar();
        using var end = (scores.shape[1] + 1).ToScalar();
        var rank = arange(first, end, Scalars.One, dtype: scores.dtype, device: scores.device).unsqueeze(0); // [1, n] (step given)
        var scale = n.add(Scalars.One, Scalars.One).sub(rank.mul(Scalars.Two)); // [B, n]: n + 1 − 2i per rank row (alpha given)
        var logits = (scale.unsqueeze(-1) * scores.unsqueeze(-2) - rowSums.unsqueeze(-2)).div(t);
        logits = logits.masked_fill(mask.logical_not().unsqueeze(-2), Scalars.NegativeInfinity);
        return logits.log_softmax(-1).MoveToOuterDisposeScope();
    }
}
