namespace Mtlds.Model.Metrics;

/// One task's probabilities over a split, in 4 bytes a value while every value is a float32 (the model computes
/// in float32, so from the trainer they all are), in 8 once one is not: the metrics see the same numbers
/// either way, since a float32 converts to double exactly.
internal sealed class ProbabilityColumn(int chunkSize)
{
    private ChunkedColumn<float>? _floats = new(chunkSize);
    private ChunkedColumn<double>? _doubles;

    public long Count => _floats?.Count ?? _doubles!.Count;

    public double this[long i] => _floats is { } f ? f[i] : _doubles![i];

    public void Add(ReadOnlySpan<double> values)
    {
        if (_floats is { } floats)
        {
            var exact = true;
            foreach (var v in values)
                if ((double)(float)v != v && !double.IsNaN(v)) { exact = false; break; }
            if (exact)
            {
                Span<float> buffer = values.Length <= 4096 ? stackalloc float[values.Length] : new float[values.Length];
                for (var i = 0; i < values.Length; i++) buffer[i] = (float)values[i];
                floats.Add(buffer);
                return;
            }
            // A value float32 cannot hold: every value so far moves to doubles (exactly), and so do the rest.
            _doubles = new ChunkedColumn<double>(chunkSize);
            for (long i = 0; i < floats.Count; i++) _doubles.Add(floats[i]);
            _floats = null;
        }
        _doubles!.Add(values);
    }

    /// The AUC of these probabilities against the labels (Mann–Whitney with average ranks, as Auc.Compute), in
    /// one byte a row beyond the column: each chunk is sorted in place with its labels, and the sorted chunks
    /// are merged, tie group by tie group. The column's row order is lost: take it last.
    public double SortedAuc(ReadOnlySpan<sbyte> stages, int threshold) =>
        _floats is { } f ? MergedAuc(f, stages, threshold) : MergedAuc(_doubles!, stages, threshold);

    private static double MergedAuc<T>(ChunkedColumn<T> column, ReadOnlySpan<sbyte> stages, int threshold)
        where T : unmanaged, IComparable<T>, IEquatable<T>
    {
        var k = column.ChunkCount;
        var labels = new byte[k][];
        long offset = 0;
        for (var c = 0; c < k; c++)
        {
            var keys = column.Chunk(c);
            var l = labels[c] = new byte[keys.Length];
            for (var i = 0; i < l.Length; i++) l[i] = stages[(int)(offset + i)] >= threshold ? (byte)1 : (byte)0;
            keys.Sort(l.AsSpan()); // NaN first, as Array.Sort orders them in Auc.Compute
            offset += keys.Length;
        }
        // The merge visits tie groups in ascending order and adds each positive's average rank one at a time,
        // as Auc.OfSorted does over one sorted array: the same sum, bit for bit.
        var heads = new int[k];
        long rank = 0, positives = 0;
        double positiveRankSum = 0;
        while (true)
        {
            var found = false;
            T min = default;
            for (var c = 0; c < k; c++)
            {
                var keys = column.Chunk(c);
                if (heads[c] < keys.Length && (!found || keys[heads[c]].CompareTo(min) < 0)) { min = keys[heads[c]]; found = true; }
            }
            if (!found) break;
            long tied = 0, tiedPositives = 0;
            for (var c = 0; c < k; c++)
            {
                var keys = column.Chunk(c);
                while (heads[c] < keys.Length && keys[heads[c]].Equals(min)) { tiedPositives += labels[c][heads[c]]; tied++; heads[c]++; }
            }
            var averageRank = (rank + 1 + rank + tied) / 2.0;
            for (long j = 0; j < tiedPositives; j++) positiveRankSum += averageRank;
            positives += tiedPositives;
            rank += tied;
        }
        var negatives = rank - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
