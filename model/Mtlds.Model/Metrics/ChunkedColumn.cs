namespace Mtlds.Model.Metrics;

/// A column of values appended batch by batch, held in chunks (2^20 values unless told): it never
/// over-allocates by more than a chunk and never copies itself to grow, where a List doubles its array (up to
/// twice the values, and for a moment three times while it copies): what made evaluation memory grow faster
/// than the split.
internal sealed class ChunkedColumn<T>(int chunkSize = 1 << 20) where T : unmanaged
{
    private readonly List<T[]> _chunks = [];

    public long Count { get; private set; }

    public int ChunkCount => _chunks.Count;

    public T this[long i] => _chunks[(int)(i / chunkSize)][i % chunkSize];

    /// The filled part of chunk `c`, writable (AUC sorts a column's chunks in place).
    public Span<T> Chunk(int c) =>
        _chunks[c].AsSpan(0, c + 1 < _chunks.Count ? chunkSize : (int)(Count - (long)c * chunkSize));

    public void Add(ReadOnlySpan<T> values)
    {
        while (values.Length > 0)
        {
            var offset = (int)(Count % chunkSize);
            if (offset == 0 && Count / chunkSize == _chunks.Count) _chunks.Add(new T[chunkSize]);
            var n = Math.Min(values.Length, chunkSize - offset);
            values[..n].CopyTo(_chunks[^1].AsSpan(offset));
            values = values[n..];
            Count += n;
        }
    }

    public void Add(T value) => Add([value]);

    /// Every value, in order, into `destination` (at least Count long).
    public void CopyTo(Span<T> destination)
    {
        for (var c = 0; c < _chunks.Count; c++)
        {
            var chunk = Chunk(c);
            chunk.CopyTo(destination);
            destination = destination[chunk.Length..];
        }
    }
}
