using Apache.Arrow;
using Apache.Arrow.Types;
using Mtlds.Model.Training;

namespace Mtlds.Model.Tests.Training;

public sealed class ListBatchTests
{
    // Two lists: user 1 (3 rows), user 2 (2 rows), one period.
    private static readonly long[] Users = [1, 1, 1, 2, 2];
    private static readonly int[] Stages = [0, 1, 3, 0, 2];
    private static readonly float?[] Counts = [0f, 3f, null, -2f, 250f];  // a float feature with a null and a negative
    private static readonly double?[] Rates = [0.5, 0.25, 0.0, 1.0, 0.125]; // a double feature
    private static readonly float?[] Constant = [7f, 7f, 7f, 7f, 7f];       // std 0 in the spec

    private static RecordBatch Batch()
    {
        var fields = new List<Field>
        {
            new("user_id", Int64Type.Default, false), new("item_id", Int64Type.Default, false),
            new("category_id", Int64Type.Default, false), new("period", Int64Type.Default, false),
            new("stage", Int32Type.Default, false), new("counts", FloatType.Default, true),
            new("rates", DoubleType.Default, true), new("constant", FloatType.Default, true),
        };
        IArrowArray[] arrays =
        [
            new Int64Array.Builder().AppendRange(Users).Build(),
            new Int64Array.Builder().AppendRange([10, 11, 12, 10, 13]).Build(),
            new Int64Array.Builder().AppendRange([5, 5, 6, 5, 6]).Build(),
            new Int64Array.Builder().AppendRange([100, 100, 100, 100, 100]).Build(),
            new Int32Array.Builder().AppendRange(Stages).Build(),
            Floats(Counts),
            Doubles(Rates),
            Floats(Constant),
        ];
        return new RecordBatch(new Schema(fields, null), arrays, Users.Length);
    }

    private static FloatArray Floats(float?[] values)
    {
        var b = new FloatArray.Builder();
        foreach (var v in values) { if (v is { } x) b.Append(x); else b.AppendNull(); }
        return b.Build();
    }

    private static DoubleArray Doubles(double?[] values)
    {
        var b = new DoubleArray.Builder();
        foreach (var v in values) { if (v is { } x) b.Append(x); else b.AppendNull(); }
        return b.Build();
    }

    [Fact]
    public void Features_are_standardised_as_the_spec_says_and_the_lists_are_laid_out()
    {
        var spec = new FeatureSpec(["counts", "rates", "constant"], [1.2, 0.3, 2.0], [0.9, 0.1, 0.0]);
        using var batch = ListBatch.FromArrow(Batch(), spec, ["click", "cart", "purchase"], buckets: 1000, listCap: 64);

        // The reference of DESIGN §5, value by value in double: z = (log1p(max(x, 0)) − mean) / std, null → 0, std 0 → 0.
        double Z(double? x, int c) => spec.Log1pStd[c] > 0 ? (Math.Log(1 + Math.Max(x ?? 0, 0)) - spec.Log1pMean[c]) / spec.Log1pStd[c] : 0;
        var numeric = batch.Numeric.data<float>().ToArray();
        Assert.Equal(new long[] { 5, 3 }, batch.Numeric.shape);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Z(Counts[i], 0), numeric[i * 3], 5);
            Assert.Equal(Z(Rates[i], 1), numeric[i * 3 + 1], 5);
            Assert.Equal(0, numeric[i * 3 + 2]);
        }

        var ids = batch.Ids.data<long>().ToArray();
        Assert.Equal(new long[] { 5, 3 }, batch.Ids.shape);
        Assert.All(ids, id => Assert.InRange(id, 0, 999));
        Assert.Equal(ids[0], ids[3 * 1]); // same user, same bucket
        Assert.Equal(ids[1], ids[3 * 3 + 1]); // item 10 in both lists

        Assert.Equal([0f, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0], batch.Labels.data<float>().ToArray());
        Assert.Equal(new long[] { 2, 3 }, batch.Gather.shape);
        Assert.Equal([0L, 1, 2, 3, 4, 5], batch.Gather.data<long>().ToArray()); // 5 = the padding row
        Assert.Equal([true, true, true, true, true, false], batch.Mask.data<bool>().ToArray());
    }

    [Fact]
    public void A_NaN_feature_stays_NaN_so_that_training_can_name_it()
    {
        var spec = new FeatureSpec(["counts"], [1.0], [1.0]);
        var b = Batch();
        var poisoned = new RecordBatch(b.Schema, Enumerable.Range(0, b.ColumnCount)
            .Select(c => b.Schema.FieldsList[c].Name == "counts" ? Floats([1f, float.NaN, 1f, 1f, 1f]) : b.Column(c)).ToList(), b.Length);
        using var batch = ListBatch.FromArrow(poisoned, spec, ["click", "purchase"], buckets: 1000, listCap: 64);
        Assert.True(float.IsNaN(batch.Numeric.data<float>()[1]));
    }

    [Fact]
    public void The_sorting_target_counts_the_configured_labels_reached_so_an_arm_without_cart_does_not_learn_the_cart_order()
    {
        var spec = new FeatureSpec(["counts"], [1.2], [0.9]);
        using (var all = ListBatch.FromArrow(Batch(), spec, ["click", "cart", "purchase"], buckets: 1000, listCap: 64))
            Assert.Equal(Stages.Select(s => (long)s), all.SortTarget.data<long>().ToArray()); // the stage itself
        // Stages 0, 1, 3, 0, 2 with click and purchase only: the cart (stage 2) ranks with a click.
        using var two = ListBatch.FromArrow(Batch(), spec, ["click", "purchase"], buckets: 1000, listCap: 64);
        Assert.Equal([0L, 1, 2, 0, 1], two.SortTarget.data<long>().ToArray());
    }
}
