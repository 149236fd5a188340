using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Sorting;

/// The tie-aware sorting loss (DESIGN §6): rank row i must put its mass on the set of items whose stage
/// equals the i-th largest stage, L = −(1/n) Σ_i log Σ_{j∈tie(i)} P̂[i, j], averaged over lists: the likelihood
/// of the tied set, not a uniform target over it. A uniform target (−(1/|tie|) Σ_{j∈tie} log P̂[i, j]) is
/// lowest when tied items have equal scores, and at small τ it preferred a wrong order (stages [3, 0×7], the
/// purchase ranked last with equal negatives scored 2.157 against 2.557 for the right order with spread
/// negatives, τ = 0.05); the set's likelihood does not care how a tie is ordered within itself. A list whose
/// real items all share one stage carries no order and is skipped; padded rows and columns carry no loss.
public static class SortingLoss
{
    /// logP [B, n, n] from an IPermutationRelaxation, stages [B, n] (integers), mask [B, n].
    /// Returns a scalar; zero (still differentiable) when no list has an order.
    public static Tensor Compute(Tensor logP, Tensor stages, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var ties = Ties(stages, mask);
        var padding = mask.logical_not();
        // log Σ_{j∈tie(i)} P̂[i, j]; a padded row has no tie and would be log 0 (a NaN gradient), so its
        // logits are replaced by zeros (no gradient reaches logP) and its term dropped below.
        var inTie = logP.masked_fill(ties.logical_not(), Scalars.NegativeInfinity).masked_fill(padding.unsqueeze(-1), Scalars.Zero);
        var rowLoss = inTie.logsumexp(-1).masked_fill(padding, Scalars.Zero).neg(); // [B, n]
        var real = mask.to_type(logP.dtype);
        var n = real.sum(-1).clamp_min(Scalars.One);
        var perList = rowLoss.sum(-1) / n;
        var stagesF = stages.to_type(ScalarType.Float32);
        var highest = stagesF.masked_fill(padding, Scalars.NegativeInfinity).amax(new long[] { -1 });
        var lowest = stagesF.masked_fill(padding, Scalars.PositiveInfinity).amin(new long[] { -1 });
        var ordered = highest.gt(lowest).to_type(logP.dtype);
        var count = ordered.sum();
        var loss = (perList * ordered).sum() / count.clamp_min(Scalars.One);
        return loss.MoveToOuterDisposeScope();
    }

    /// tie(i) as a mask [B, n, n]: row i holds the real items whose stage equals the i-th largest stage of
    /// the list's real items; padded rows hold none.
    public static Tensor Ties(Tensor stages, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var padding = mask.logical_not();
        var sortedStages = stages.masked_fill(padding, Scalars.MinusOne).sort(dim: -1, descending: true).Values; // [B, n]
        return sortedStages.unsqueeze(-1).eq(stages.unsqueeze(-2)) // [B, n, n]
            .logical_and(mask.unsqueeze(-2))
            .logical_and(mask.unsqueeze(-1)) // padded rows: no target
            .MoveToOuterDisposeScope();
    }
}
