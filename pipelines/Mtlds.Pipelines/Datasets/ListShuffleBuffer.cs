using Apache.Arrow;
using Mtlds.Model.Training;

namespace Mtlds.Pipelines.Datasets;

/// Shuffles whole lists through a bounded buffer, as training batches should come (DESIGN §6): the reader
/// streams a split in file order (period, user), so without it every epoch saw the same batches, in
/// chronological order, ending on the last day. The buffer holds `capacity` lists; each output batch draws
/// lists uniformly from it (refilled from the stream as they leave) until it reaches `targetRows`, so a list
/// can move anywhere within about `capacity` lists of its place, and every list of the split comes out once.
/// Deterministic for a seed; a new seed per epoch gives each epoch its own order. Memory: the buffered lists
/// and the input batches they still point into. A batch is freed once its last list has left, but random
/// draws leave many batches with a list or two for long: with 16,384 lists buffered, a 10M-event build's
/// training peaked at 1.64× a tenth of it (the batches referenced grow with the split, up to one a list).
/// So when the batches referenced hold more than twice the buffered rows, the buffered lists of the sparsest
/// batches are copied into fresh batches and the old ones let go: memory stays within a few times the
/// buffer's rows.
public static class ListShuffleBuffer
{
    public static async IAsyncEnumerable<RecordBatch> Shuffle(IAsyncEnumerable<RecordBatch> batches, int capacity, int targetRows, int seed)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "a shuffle buffer holds at least one list");
        var rng = new Random(seed);
        var pool = new List<(RecordBatch Batch, int Start, int Length)>(capacity + 1024);
        var picked = new List<(RecordBatch Batch, int Start, int Length)>();
        var pickedRows = 0;
        // Rows buffered per referenced batch (reference identity; a batch leaves when none are), the rows those
        // batches hold, and the rows buffered: what the compaction below compares.
        var live = new Dictionary<RecordBatch, long>(ReferenceEqualityComparer.Instance);
        long referencedRows = 0, pooledRows = 0;

        void Hold((RecordBatch Batch, int Start, int Length) list)
        {
            if (live.TryGetValue(list.Batch, out var n)) live[list.Batch] = n + list.Length;
            else { live[list.Batch] = list.Length; referencedRows += list.Batch.Length; }
        }

        void Release((RecordBatch Batch, int Start, int Length) list)
        {
            if ((live[list.Batch] -= list.Length) == 0) { live.Remove(list.Batch); referencedRows -= list.Batch.Length; }
        }

        // Copies the buffered lists of the sparsest batches (fewest buffered rows for the rows they hold) into
        // fresh batches, until the batches referenced hold no more than the buffered rows plus a quarter and
        // two output batches. Copying every buffered list instead (as this first did) copied 0.6 rows for
        // every row that left the buffer; most of the referenced rows sit in batches with a list or two left,
        // and the dense batches need no copy. Each list keeps its place in the pool, so the draws, and with them
        // the output, are the same whatever is copied.
        void Compact()
        {
            if (referencedRows <= 2 * pooledRows + 4L * targetRows) return;
            var goal = pooledRows + pooledRows / 4 + 2L * targetRows;
            var copied = new HashSet<RecordBatch>(ReferenceEqualityComparer.Instance);
            var referenced = referencedRows;
            foreach (var (batch, rows) in live.OrderBy(b => (double)b.Value / b.Key.Length).ToList())
            {
                if (referenced <= goal) break;
                copied.Add(batch);
                referenced += rows - batch.Length;
            }
            var at = new List<int>(); // pool positions of the lists going into the next copy
            var atRows = 0;
            void Copy()
            {
                if (at.Count == 0) return;
                var lists = at.Select(k => pool[k]).ToList();
                var copy = Gather(lists, atRows);
                for (int j = 0, offset = 0; j < at.Count; offset += lists[j].Length, j++)
                {
                    Release(lists[j]);
                    pool[at[j]] = (copy, offset, lists[j].Length);
                    Hold(pool[at[j]]);
                }
                at.Clear();
                atRows = 0;
            }
            for (var k = 0; k < pool.Count; k++)
            {
                if (!copied.Contains(pool[k].Batch)) continue;
                at.Add(k);
                atRows += pool[k].Length;
                if (atRows >= targetRows) Copy();
            }
            Copy();
        }

        IEnumerable<RecordBatch> Drain(bool all)
        {
            while (pool.Count > 0 && (all || pool.Count >= capacity))
            {
                var k = rng.Next(pool.Count);
                var list = pool[k];
                pool[k] = pool[^1]; // swap-remove: O(1), and the order left behind does not matter
                pool.RemoveAt(pool.Count - 1);
                pooledRows -= list.Length;
                Release(list);
                picked.Add(list);
                pickedRows += list.Length;
                if (pickedRows >= targetRows)
                {
                    yield return Gather(picked, pickedRows);
                    picked.Clear();
                    pickedRows = 0;
                }
            }
        }

        await foreach (var batch in batches)
        {
            var user = (Int64Array)batch.Column("user_id");
            var period = (Int64Array)batch.Column("period");
            foreach (var (start, length) in ListLayout.Ranges(user.Values, period.Values))
            {
                pool.Add((batch, start, length));
                pooledRows += length;
                Hold((batch, start, length));
            }
            foreach (var b in Drain(all: false)) yield return b;
            Compact();
        }
        foreach (var b in Drain(all: true)) yield return b;
        if (pickedRows > 0) yield return Gather(picked, pickedRows);
    }

    /// The picked lists' rows as one batch (a copy). Fixed-width columns (ids, stage, features: all of a
    /// feature build's) are copied value span by value span into one new buffer, with a validity bitmap only
    /// where a source has nulls; anything else goes through Arrow's slice-and-concatenate, which allocates a
    /// slice per list and column and was most of the shuffle's time.
    private static RecordBatch Gather(List<(RecordBatch Batch, int Start, int Length)> lists, int rows)
    {
        var schema = lists[0].Batch.Schema;
        var arrays = new IArrowArray[schema.FieldsList.Count];
        for (var c = 0; c < arrays.Length; c++)
            arrays[c] = schema.FieldsList[c].DataType is Apache.Arrow.Types.FixedWidthType { BitWidth: 8 or 16 or 32 or 64 } fixedWidth
                ? GatherFixedWidth(lists, c, rows, fixedWidth)
                : ArrowArrayConcatenator.Concatenate(lists.Select(l => ArrowArrayFactory.Slice(l.Batch.Column(c), l.Start, l.Length)).ToList());
        return new RecordBatch(schema, arrays, rows);
    }

    private static IArrowArray GatherFixedWidth(List<(RecordBatch Batch, int Start, int Length)> lists, int column, int rows,
        Apache.Arrow.Types.FixedWidthType type)
    {
        var width = type.BitWidth / 8;
        var values = new byte[rows * width];
        var anyNulls = false;
        var at = 0;
        foreach (var (batch, start, length) in lists)
        {
            var data = batch.Column(column).Data;
            data.Buffers[1].Span.Slice((data.Offset + start) * width, length * width).CopyTo(values.AsSpan(at * width));
            anyNulls |= data.NullCount != 0;
            at += length;
        }
        var validity = ArrowBuffer.Empty;
        var nulls = 0;
        if (anyNulls)
        {
            var bits = new byte[(rows + 7) / 8];
            at = 0;
            foreach (var (batch, start, length) in lists)
            {
                var array = (Apache.Arrow.Array)batch.Column(column);
                for (var i = 0; i < length; i++, at++)
                    if (array.IsValid(start + i)) bits[at >> 3] |= (byte)(1 << (at & 7));
                    else nulls++;
            }
            validity = new ArrowBuffer(bits);
        }
        return ArrowArrayFactory.BuildArray(new ArrayData(type, rows, nulls, 0, [validity, new ArrowBuffer(values)]));
    }
}
