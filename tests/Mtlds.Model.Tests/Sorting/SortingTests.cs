using Mtlds.Model.Sorting;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Tests.Sorting;

public sealed class PermutationRelaxationTests
{
    public static TheoryData<string> Relaxations => new("softsort", "neuralsort");

    private static IPermutationRelaxation Get(string name) => name == "softsort" ? new SoftSort() : new NeuralSort();

    [Theory]
    [MemberData(nameof(Relaxations))]
    public void Rows_sum_to_one_over_real_items_and_padding_gets_zero_probability(string name)
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        using var s = tensor(new double[,] { { 0.3, -1.2, 2.0, 0.0 }, { 1.5, 0.2, 9.0, 9.0 } });
        using var mask = tensor(new bool[,] { { true, true, true, true }, { true, true, false, false } });
        using var p = Get(name).LogPermutation(s, mask, tau: 0.7).exp();

        var rows = p.sum(-1);
        for (var i = 0; i < 4; i++) Assert.Equal(1.0, rows[0, i].item<double>(), 9);
        for (var i = 0; i < 2; i++) Assert.Equal(1.0, rows[1, i].item<double>(), 9);
        Assert.Equal(0.0, p[1, .., 2..].abs().sum().item<double>());
    }

    [Theory]
    [MemberData(nameof(Relaxations))]
    public void As_tau_goes_to_zero_the_matrix_becomes_the_hard_sorting_permutation(string name)
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        double[] scores = [0.3, -1.2, 2.0, 0.9, -0.4];
        using var s = tensor(scores).unsqueeze(0);
        using var mask = ones(1, 5, dtype: ScalarType.Bool);
        using var p = Get(name).LogPermutation(s, mask, tau: 1e-3).exp().squeeze(0);

        var order = scores.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Select(x => x.i).ToArray();
        for (var row = 0; row < 5; row++)
            for (var col = 0; col < 5; col++)
                Assert.Equal(col == order[row] ? 1.0 : 0.0, p[row, col].item<double>(), 6);
    }

    [Theory]
    [MemberData(nameof(Relaxations))]
    public void Analytic_gradients_agree_with_finite_differences_in_double_precision(string name)
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        double[] scores = [0.31, -1.2, 2.05, 0.9, -0.42, 1.33];
        long[] stages = [1, 0, 3, 2, 0, 1];
        var relax = Get(name);
        double Loss(double[] v)
        {
            using var scope = NewDisposeScope();
            var s = tensor(v).unsqueeze(0);
            var mask = ones(1, v.Length, dtype: ScalarType.Bool);
            return SortingLoss.Compute(relax.LogPermutation(s, mask, 0.5), tensor(stages).unsqueeze(0), mask).item<double>();
        }

        using var x = tensor(scores).requires_grad_();
        using (var scope = NewDisposeScope())
        {
            var mask = ones(1, scores.Length, dtype: ScalarType.Bool);
            SortingLoss.Compute(relax.LogPermutation(x.unsqueeze(0), mask, 0.5), tensor(stages).unsqueeze(0), mask).backward();
        }
        var analytic = x.grad!.data<double>().ToArray();

        const double h = 1e-6;
        for (var j = 0; j < scores.Length; j++)
        {
            var up = (double[])scores.Clone();
            var down = (double[])scores.Clone();
            up[j] += h;
            down[j] -= h;
            var numeric = (Loss(up) - Loss(down)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[j]) < 1e-6 * Math.Max(1, Math.Abs(numeric)),
                $"∂L/∂s{j}: analytic {analytic[j]}, finite difference {numeric}");
        }
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3); // the check is not vacuous
    }
}

public sealed class SortingLossTests
{
    [Fact]
    public void Each_rank_row_targets_the_set_of_items_tied_at_that_rank()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        using var t = SortingLoss.Ties(tensor(new long[] { 1, 2, 1 }).unsqueeze(0), ones(1, 3, dtype: ScalarType.Bool)).squeeze(0);
        bool[,] expected = { { false, true, false }, { true, false, true }, { true, false, true } };
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(expected[i, j], t[i, j].item<bool>());
    }

    private static double Loss(double[] scores, long[] stages, double tau)
    {
        using var scope = NewDisposeScope();
        var mask = ones(1, scores.Length, dtype: ScalarType.Bool);
        return SortingLoss.Compute(new SoftSort().LogPermutation(tensor(scores).unsqueeze(0), mask, tau), tensor(stages).unsqueeze(0), mask).item<double>();
    }

    /// The loss a uniform target over each tie gives (the rule this loss replaced), for contrast.
    private static double UniformTargetLoss(double[] scores, long[] stages, double tau)
    {
        using var scope = NewDisposeScope();
        var mask = ones(1, scores.Length, dtype: ScalarType.Bool);
        var logP = new SoftSort().LogPermutation(tensor(scores).unsqueeze(0), mask, tau);
        var ties = SortingLoss.Ties(tensor(stages).unsqueeze(0), mask).to_type(ScalarType.Float64);
        var target = ties / ties.sum(-1, keepdim: true);
        return (-(target * logP).sum().item<double>()) / scores.Length;
    }

    [Fact]
    public void A_purchase_ranked_last_with_equal_negatives_no_longer_beats_the_right_order_at_small_tau()
    {
        // The issue's case: stages [3, 0×7], τ = 0.05. Right: the purchase first, negatives spread below it.
        // Wrong: the purchase last, just below the negatives, which are all equal.
        long[] stages = [3, 0, 0, 0, 0, 0, 0, 0];
        double[] right = [1.0, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
        double[] wrong = [-0.01, 0, 0, 0, 0, 0, 0, 0];
        Assert.True(UniformTargetLoss(wrong, stages, 0.05) < UniformTargetLoss(right, stages, 0.05),
            "the uniform target preferred the wrong order here (the defect this loss fixes)");
        Assert.True(Loss(right, stages, 0.05) < Loss(wrong, stages, 0.05),
            $"right {Loss(right, stages, 0.05)}, wrong {Loss(wrong, stages, 0.05)}");
    }

    /// Over random lists, stages and τ in [0.01, 10]: giving the same scores to the items in the order of
    /// their stages has the lowest loss; any assignment that ranks a lower stage above a higher one has a
    /// higher loss (and reordering items within a tie changes nothing).
    [Fact]
    public void The_right_order_has_the_lowest_loss_for_every_tau_from_0_01_to_10()
    {
        var rng = new Random(17);
        var violations = 0;
        for (var c = 0; c < 400; c++)
        {
            var n = rng.Next(2, 13);
            var stages = Enumerable.Range(0, n).Select(_ => (long)rng.Next(0, 4)).ToArray();
            if (stages.Distinct().Count() < 2) stages[0] = stages[1] == 0 ? 3 : 0;
            var tau = Math.Pow(10, rng.NextDouble() * 3 - 2);
            var values = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 4 - 2).OrderByDescending(v => v).ToArray();
            // Right: the k-th highest stage gets the k-th highest score (ties among stages in any order).
            var byStage = Enumerable.Range(0, n).OrderByDescending(i => stages[i]).ThenBy(_ => rng.Next()).ToArray();
            var right = new double[n];
            for (var k = 0; k < n; k++) right[byStage[k]] = values[k];
            var shuffled = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            var other = new double[n];
            for (var k = 0; k < n; k++) other[shuffled[k]] = values[k];
            var rightLoss = Loss(right, stages, tau);
            var otherLoss = Loss(other, stages, tau);
            var wrongOrder = Enumerable.Range(0, n).Any(i => Enumerable.Range(0, n).Any(j => stages[i] > stages[j] && other[i] < other[j]));
            if (wrongOrder)
            {
                violations++;
                Assert.True(rightLoss < otherLoss, $"n {n}, τ {tau:G3}, stages [{string.Join(",", stages)}]: right {rightLoss:R} ≥ wrong {otherLoss:R}");
            }
            else
            {
                Assert.Equal(rightLoss, otherLoss, 9); // only ties reordered
            }
        }
        Assert.True(violations > 300, $"{violations} wrong orders drawn"); // the check is not vacuous
    }

    [Fact]
    public void The_loss_equals_a_hand_computation_on_a_two_item_list()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        // s = (a, b) = (1.0, 0.0), stages (0, 1), SoftSort with τ = 1: sorted scores (1, 0).
        // Row 0 (s_[0] = 1): logits (−0, −1) → the target is item 1 (stage 1): −log(e^−1 / (1 + e^−1)).
        // Row 1 (s_[1] = 0): logits (−1, −0) → the target is item 0: −log(e^−1 / (e^−1 + 1)).
        var expected = (2 * -Math.Log(Math.Exp(-1) / (1 + Math.Exp(-1)))) / 2;
        using var mask = ones(1, 2, dtype: ScalarType.Bool);
        using var logP = new SoftSort().LogPermutation(tensor(new[] { 1.0, 0.0 }).unsqueeze(0), mask, 1.0);
        using var loss = SortingLoss.Compute(logP, tensor(new long[] { 0, 1 }).unsqueeze(0), mask);
        Assert.Equal(expected, loss.item<double>(), 12);
    }

    [Fact]
    public void Scores_in_the_order_of_the_stages_give_a_lower_loss_than_reversed_ones()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        using var mask = ones(1, 4, dtype: ScalarType.Bool);
        using var stages = tensor(new long[] { 3, 2, 1, 0 }).unsqueeze(0);
        var relax = new SoftSort();
        using var right = SortingLoss.Compute(relax.LogPermutation(tensor(new[] { 3.0, 2, 1, 0 }).unsqueeze(0), mask, 0.5), stages, mask);
        using var wrong = SortingLoss.Compute(relax.LogPermutation(tensor(new[] { 0.0, 1, 2, 3 }).unsqueeze(0), mask, 0.5), stages, mask);
        Assert.True(right.item<double>() < wrong.item<double>());
    }

    [Fact]
    public void A_list_whose_items_share_one_stage_is_skipped_and_padding_changes_nothing()
    {
        // Every temporary tensor is held by the scope, so the GC never finalizes one mid-call.
        using var testScope = NewDisposeScope();
        var relax = new SoftSort();
        // List 0 has an order; list 1 is all stage 0 and must not count; list 2 is list 0 padded.
        using var s = tensor(new double[,] { { 0.2, 1.1, -0.3, 0 }, { 0.5, 0.1, 0.9, 0.4 }, { 0.2, 1.1, -0.3, 7.7 } });
        using var stages = tensor(new long[,] { { 1, 0, 2, 0 }, { 0, 0, 0, 0 }, { 1, 0, 2, 3 } });
        using var full = ones(3, 4, dtype: ScalarType.Bool);
        using var mask = tensor(new bool[,] { { true, true, true, false }, { true, true, true, true }, { true, true, true, false } });

        using var one = SortingLoss.Compute(relax.LogPermutation(s[..1], mask[..1], 0.5), stages[..1], mask[..1]);
        using var all = SortingLoss.Compute(relax.LogPermutation(s, mask, 0.5), stages, mask);
        Assert.Equal(one.item<double>(), all.item<double>(), 12);
        Assert.True(double.IsFinite(all.item<double>()));

        using var none = SortingLoss.Compute(relax.LogPermutation(s[1..2], full[1..2], 0.5), stages[1..2], full[1..2]);
        Assert.Equal(0.0, none.item<double>());
    }
}
