namespace Mtlds.Model.Metrics;

/// A column of values appended batch by batch, held in chunks of 2^20: it never over-allocates by more than
/// a chunk and never copies itself to grow, where a List doubles its array (up to twice the values, and for a
/// moment three times while it copies): what made evaluation memory grow faster than the split.
internal sealed class ChunkedColumn<T> where T : unmanaged
{
    private const int Shift = 20;
    private const int ChunkSize = 1 << Shift;
    private readonly List<T[]> _chunks = [];

    public long Count { get; private set; }

    public T this[long i] => _chunks[(int)(i >> Shift)][i & (ChunkSize - 1)];

    public void Add(ReadOnlySpan<T> values)
    {
        while (values.Length > 0)
        {
            var offset = (int)(Count & (ChunkSize - 1));
            if (offset == 0 && Count >> Shift == _chunks.Count) _chunks.Add(new T[ChunkSize]);
            var n = Math.Min(values.Length, ChunkSize - offset);
            values[..n].CopyTo(_chunks[^1].AsSpan(offset));
            values = values[n..];
            Count += n;
        }
    }

    public void Add(T value) => Add([value]);

    /// Every value, in order, into `destination` (at least Count long).
    public void CopyTo(Span<T> destination)
    {
        var left = Count;
        foreach (var chunk in _chunks)
        {
            var n = (int)Math.Min(left, ChunkSize);
            chunk.AsSpan(0, n).CopyTo(destination);
            destination = destination[n..];
            left -= n;
        }
    }
}
