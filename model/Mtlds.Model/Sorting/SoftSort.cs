using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Sorting;

/// SoftSort (Prillo & Eisenschlos, ICML 2020), eq. 3: P̂[i, j] = softmax_j(−|s_[i] − s_j| / τ), s_[i] the
/// i-th largest score. As τ → 0 it becomes the hard permutation matrix of argsort (descending).
public sealed class SoftSort : IPermutationRelaxation
{
    public string Name => "softsort";

    public Tensor LogPermutation(Tensor scores, Tensor mask, double tau)
    {
        using var scope = NewDisposeScope();
        using var t = tau.ToScalar();
        var padding = mask.logical_not();
        // Padding sorts last; its rows get a finite stand-in value so that their softmax stays finite.
        var sorted = scores.masked_fill(padding, Scalars.NegativeInfinity).sort(dim: -1, descending: true).Values;
        sorted = sorted.masked_fill(padding, Scalars.Zero); // real items come first, so the mask is also the row mask
        var logits = (sorted.unsqueeze(-1) - scores.unsqueeze(-2)).abs().neg().div(t);
        logits = logits.masked_fill(padding.unsqueeze(-2), Scalars.NegativeInfinity);
        return logits.log_softmax(-1).MoveToOuterDisposeScope();
    }
}
