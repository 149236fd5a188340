using Apache.Arrow;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtlds.Model.Training;

/// One training batch in tensors, built from an Arrow batch of whole lists (columns, not rows):
/// ids [N, 3] (user, item, category hashed into buckets), numeric [N, F] standardised, labels [N, T],
/// the sorting target [N], and the list layout: Gather [L, M] indexes rows (N marks padding), Mask [L, M].
public sealed class ListBatch : IDisposable
{
    public required Tensor Ids { get; init; }
    public required Tensor Numeric { get; init; }
    public required Tensor Labels { get; init; }
    /// What the sorting losses order a list by: how many of the configured labels the row reached. With the
    /// labels click, cart, purchase that is the stage; with click, purchase a cart without a purchase ranks
    /// with a click, so an arm trained without the cart label does not learn the cart order from it.
    public required Tensor SortTarget { get; init; }
    public required Tensor Gather { get; init; }
    public required Tensor Mask { get; init; }
    public required long[] UserIds { get; init; }
    public required long[] ItemIds { get; init; }
    public required long[] Periods { get; init; }
    public required int[] StageValues { get; init; }
    public required long[] CategoryIds { get; init; }

    /// The raw user_clicks_7p of every row (not a model input here: the key by which score rows are sliced),
    /// or null when the batch has no such column.
    public int[]? UserClicks7p { get; init; }
    /// Row ranges of the lists as they came (before any cap), for metrics per list.
    public required IReadOnlyList<(int Start, int Length)> Lists { get; init; }
    public int Rows => UserIds.Length;

    /// The sample columns FromArrow reads besides the features of its FeatureSpec (the same for the boosted
    /// trees): labels follow from stage, so a build's y_ columns and flags need not be read.
    public static IReadOnlyList<string> SampleColumns { get; } = ["user_id", "item_id", "category_id", "period", "stage"];

    public static ListBatch FromArrow(RecordBatch batch, FeatureSpec spec, IReadOnlyList<string> tasks, int buckets, int listCap)
    {
        var n = batch.Length;
        var user = Longs(batch, "user_id");
        var item = Longs(batch, "item_id");
        var category = Longs(batch, "category_id");
        var period = Longs(batch, "period");
        var stage = Ints(batch, "stage");

        // Written straight into the tensors' memory: managed arrays of this size land on the large-object heap,
        // which grows over an epoch of batches (it is collected only with gen 2).
        var idsTensor = empty(n, 3, dtype: ScalarType.Int64);
        var ids = MemoryMarshal.Cast<byte, long>(idsTensor.bytes);
        for (var i = 0; i < n; i++)
        {
            ids[3 * i] = Bucket(user[i], 0x9E3779B97F4A7C15UL, buckets);
            ids[3 * i + 1] = Bucket(item[i], 0xC2B2AE3D27D4EB4FUL, buckets);
            ids[3 * i + 2] = Bucket(category[i], 0x165667B19E3779F9UL, buckets);
        }

        var f = spec.Count;
        // Raw features column by column (a copy of each Arrow buffer); log1p and standardisation run in
        // libtorch, vectorised, instead of per value in C# (that loop was most of the conversion time).
        var mean = new float[f];
        var scale = new float[f];
        Tensor numericTensor;
        using (NewDisposeScope()) // holds the temporaries until the last native call has read them
        {
            var x = empty(f, n);
            var raw = MemoryMarshal.Cast<byte, float>(x.bytes);
            for (var c = 0; c < f; c++)
            {
                CopyFeature(batch, spec.Names[c], raw.Slice(c * n, n));
                mean[c] = (float)spec.Log1pMean[c];
                scale[c] = spec.Log1pStd[c] > 0 ? (float)(1 / spec.Log1pStd[c]) : 0f; // a constant feature becomes 0
            }
            var m = tensor(mean, new long[] { f, 1 });
            var k = tensor(scale, new long[] { f, 1 });
            numericTensor = x.clamp_min_(Scalars.Zero).log1p_().sub_(m).mul_(k).t().contiguous().MoveToOuterDisposeScope();
        }

        var labels = new float[n * tasks.Count];
        var sortTarget = new long[n];
        var threshold = tasks.Select(ScoredBatch.Threshold).ToArray();
        for (var i = 0; i < n; i++)
            for (var t = 0; t < tasks.Count; t++)
                if (stage[i] >= threshold[t])
                {
                    labels[i * tasks.Count + t] = 1f;
                    sortTarget[i]++;
                }

        var lists = ListLayout.Ranges(user, period);
        var chunks = Cap(lists, stage, listCap);
        var width = chunks.Count == 0 ? 1 : chunks.Max(c => c.Length);
        // Shapes are given at creation: a temporary tensor that is only reshaped can be finalized by the GC
        // while the native reshape still reads it (a crash we saw), so no chained temporaries here.
        var gatherTensor = empty(chunks.Count, width, dtype: ScalarType.Int64);
        var gather = MemoryMarshal.Cast<byte, long>(gatherTensor.bytes);
        gather.Fill(n); // n: the padding row
        for (var l = 0; l < chunks.Count; l++)
            for (var j = 0; j < chunks[l].Length; j++)
                gather[l * width + j] = chunks[l][j];

        using var padRow = ((long)n).ToScalar(); // held: an implicit Scalar can be finalized mid-call
        return new ListBatch
        {
            Ids = idsTensor,
            Numeric = numericTensor,
            Labels = tensor(labels, new long[] { n, tasks.Count }),
            SortTarget = tensor(sortTarget),
            Gather = gatherTensor,
            Mask = gatherTensor.lt(padRow),
            UserIds = user,
            ItemIds = item,
            Periods = period,
            StageValues = stage,
            CategoryIds = category,
            UserClicks7p = UserClicks(batch),
            Lists = lists,
        };
    }

    /// Lists longer than the cap lose negatives (stage 0) first, by position from the end; what is still too
    /// long is split into consecutive chunks. Deterministic.
    private static List<int[]> Cap(List<(int Start, int Length)> lists, int[] stage, int cap)
    {
        var chunks = new List<int[]>(lists.Count);
        foreach (var (start, length) in lists)
        {
            if (length <= cap) // the common case, without the lists below
            {
                var all = new int[length];
                for (var j = 0; j < length; j++) all[j] = start + j;
                chunks.Add(all);
                continue;
            }
            var rows = Enumerable.Range(start, length).ToList();
            if (rows.Count > cap)
            {
                var negatives = rows.Where(r => stage[r] == 0).ToList();
                var drop = Math.Min(rows.Count - cap, negatives.Count);
                var dropped = negatives.Skip(negatives.Count - drop).ToHashSet();
                rows = rows.Where(r => !dropped.Contains(r)).ToList();
            }
            for (var i = 0; i < rows.Count; i += cap) chunks.Add(rows.Skip(i).Take(cap).ToArray());
        }
        return chunks;
    }

    /// A multiplicative hash of the id into [0, buckets): ids are not dense or small, and nearby ids should
    /// not share buckets in a pattern.
    private static long Bucket(long id, ulong salt, int buckets) =>
        (long)(((ulong)id * salt) >> 17) % buckets;

    /// A feature column as floats; a null is 0 (no history), as the SQL defines.
    internal static void CopyFeature(RecordBatch b, string name, Span<float> into)
    {
        switch (b.Column(name))
        {
            case FloatArray a when a.NullCount == 0:
                a.Values.CopyTo(into);
                break;
            case FloatArray a:
                for (var i = 0; i < into.Length; i++) into[i] = a.GetValue(i) ?? 0f;
                break;
            case DoubleArray a:
                for (var i = 0; i < into.Length; i++) into[i] = (float)(a.GetValue(i) ?? 0);
                break;
            case var other:
                throw new ArgumentException($"feature column '{name}' is {other.Data.DataType.Name}, not a floating-point column");
        }
    }

    internal static int[]? UserClicks(RecordBatch b)
    {
        if (b.Schema.GetFieldIndex("user_clicks_7p") < 0) return null;
        var values = new float[b.Length];
        CopyFeature(b, "user_clicks_7p", values);
        var clicks = new int[values.Length];
        for (var i = 0; i < clicks.Length; i++) clicks[i] = (int)values[i]; // a count, exact in float below 2^24
        return clicks;
    }

    internal static long[] Longs(RecordBatch b, string name) => b.Column(name) switch
    {
        Int64Array a when a.NullCount == 0 => a.Values.ToArray(),
        Int64Array a => Enumerable.Range(0, a.Length).Select(i => a.GetValue(i) ?? 0).ToArray(),
        Int32Array a => Enumerable.Range(0, a.Length).Select(i => (long)(a.GetValue(i) ?? 0)).ToArray(),
        var other => throw new ArgumentException($"column '{name}' is {other.Data.DataType.Name}, not an integer column"),
    };

    internal static int[] Ints(RecordBatch b, string name)
    {
        var longs = Longs(b, name);
        var ints = new int[longs.Length];
        for (var i = 0; i < ints.Length; i++) ints[i] = (int)longs[i];
        return ints;
    }

    public void Dispose()
    {
        Ids.Dispose();
        Numeric.Dispose();
        Labels.Dispose();
        SortTarget.Dispose();
        Gather.Dispose();
        Mask.Dispose();
    }
}
