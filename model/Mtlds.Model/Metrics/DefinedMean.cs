namespace Mtlds.Model.Metrics;

/// A mean that skips NaN values (a list without a positive has no NDCG) and is NaN when it skipped them all.
internal struct DefinedMean
{
    private double _sum;
    private long _count;

    public void Add(double value)
    {
        if (double.IsNaN(value)) return;
        _sum += value;
        _count++;
    }

    public readonly double Value => _count == 0 ? double.NaN : _sum / _count;
}
