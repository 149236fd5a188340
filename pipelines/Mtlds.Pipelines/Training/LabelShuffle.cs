using Apache.Arrow;

namespace Mtlds.Pipelines.Training;

/// Label noise: in a share of the training lists the stages are permuted among the list's rows, so the labels
/// no longer follow the features (each row keeps a monotone label set, the list its count of each stage).
/// Which lists, and how, depends only on (user, period) and the seed. Used by the robustness experiment.
/// It is not a violated behaviour order in the log (a purchase without a cart event, a cart without a click):
/// that never reaches the model as such, since DESIGN §4 derives monotone labels from a sample's deepest
/// behaviour. Called "order noise" before issue #14.
public static class LabelShuffle
{
    public static async IAsyncEnumerable<RecordBatch> Apply(IAsyncEnumerable<RecordBatch> batches, double rate, int seed)
    {
        await foreach (var b in batches)
            yield return rate <= 0 ? b : Permute(b, rate, seed);
    }

    private static RecordBatch Permute(RecordBatch b, double rate, int seed)
    {
        var user = (Int64Array)b.Column("user_id");
        var period = (Int64Array)b.Column("period");
        var index = b.Schema.GetFieldIndex("stage");
        var stage = (Int32Array)b.Column(index);
        var values = new int[b.Length];
        for (var i = 0; i < b.Length; i++) values[i] = stage.GetValue(i) ?? 0;
        foreach (var (start, length) in Model.Training.ListLayout.Ranges(user.Values, period.Values))
        {
            var rng = new Random(Mix(seed, user.Values[start], period.Values[start]));
            if (rng.NextDouble() < rate) rng.Shuffle(values.AsSpan(start, length));
        }
        var permuted = new Int32Array.Builder().AppendRange(values).Build();
        var columns = Enumerable.Range(0, b.ColumnCount).Select(c => c == index ? (IArrowArray)permuted : b.Column(c)).ToList();
        return new RecordBatch(b.Schema, columns, b.Length);
    }

    /// SplitMix64 over the list's key: stable across processes (HashCode is salted per process).
    private static int Mix(int seed, long user, long period)
    {
        var z = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)user * 0xBF58476D1CE4E5B9UL ^ (ulong)period * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }
}
