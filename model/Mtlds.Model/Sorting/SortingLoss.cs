using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Sorting;

/// The tie-aware sorting loss (DESIGN §6): the target of rank row i is uniform over the items whose stage
/// equals the i-th largest stage; L = −(1/n) Σ_i Σ_j T[i, j] log P̂[i, j], averaged over lists. A list whose
/// real items all share one stage carries no order and is skipped; padded rows and columns carry no loss.
public static class SortingLoss
{
    /// logP [B, n, n] from an IPermutationRelaxation, stages [B, n] (integers), mask [B, n].
    /// Returns a scalar; zero (still differentiable) when no list has an order.
    public static Tensor Compute(Tensor logP, Tensor stages, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var target = Target(stages, mask, logP.dtype);
        var safeLogP = logP.masked_fill(mask.logical_not().unsqueeze(-2), Scalars.Zero); // 0·(−∞) would be NaN
        var real = mask.to_type(logP.dtype);
        var n = real.sum(-1).clamp_min(Scalars.One);
        var perList = -(target * safeLogP).sum(new long[] { -1, -2 }) / n;
        var stagesF = stages.to_type(ScalarType.Float32);
        var highest = stagesF.masked_fill(mask.logical_not(), Scalars.NegativeInfinity).amax(new long[] { -1 });
        var lowest = stagesF.masked_fill(mask.logical_not(), Scalars.PositiveInfinity).amin(new long[] { -1 });
        var ordered = highest.gt(lowest).to_type(logP.dtype);
        var count = ordered.sum();
        var loss = (perList * ordered).sum() / count.clamp_min(Scalars.One);
        return loss.MoveToOuterDisposeScope();
    }

    /// T [B, n, n]: row i uniform over the real items whose stage equals the i-th largest stage.
    public static Tensor Target(Tensor stages, Tensor mask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var padding = mask.logical_not();
        var sortedStages = stages.masked_fill(padding, Scalars.MinusOne).sort(dim: -1, descending: true).Values; // [B, n]
        var match = sortedStages.unsqueeze(-1).eq(stages.unsqueeze(-2)) // [B, n, n]
            .logical_and(mask.unsqueeze(-2))
            .logical_and(mask.unsqueeze(-1)); // padded rows: no target
        var t = match.to_type(dtype);
        return (t / t.sum(-1, keepdim: true).clamp_min(Scalars.One)).MoveToOuterDisposeScope();
    }
}
