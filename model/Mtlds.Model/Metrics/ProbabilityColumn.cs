namespace Mtlds.Model.Metrics;

/// One task's probabilities over a split, in 4 bytes a value while every value is a float32 (the model computes
/// in float32, so from the trainer they all are), in 8 once one is not: the metrics see the same numbers
/// either way, since a float32 converts to double exactly.
internal sealed class ProbabilityColumn
{
    private ChunkedColumn<float>? _floats = new();
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
            _doubles = new ChunkedColumn<double>();
            for (long i = 0; i < floats.Count; i++) _doubles.Add(floats[i]);
            _floats = null;
        }
        _doubles!.Add(values);
    }

    /// The AUC of these probabilities against the labels (Mann–Whitney with average ranks, as Auc.Compute):
    /// the values are copied once, as float32 where they are, and sorted with a byte label beside each.
    public double Auc(ReadOnlySpan<sbyte> stages, int threshold)
    {
        var labels = new byte[Count];
        for (var i = 0; i < labels.Length; i++) labels[i] = stages[i] >= threshold ? (byte)1 : (byte)0;
        if (_floats is { } f)
        {
            var keys = new float[Count];
            f.CopyTo(keys);
            Array.Sort(keys, labels);
            return Metrics.Auc.OfSorted(keys, labels);
        }
        var doubleKeys = new double[Count];
        _doubles!.CopyTo(doubleKeys);
        Array.Sort(doubleKeys, labels);
        return Metrics.Auc.OfSorted(doubleKeys, labels);
    }
}
