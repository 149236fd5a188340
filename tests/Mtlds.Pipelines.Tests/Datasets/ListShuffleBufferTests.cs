using Apache.Arrow;
using Mtlds.Model.Training;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Datasets;

/// Training lists shuffled through a bounded buffer (ListShuffleBuffer), on the real Taobao build's train split.
public sealed class ListShuffleBufferTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>
{
    private const int TargetRows = 2000;

    private sealed record Emitted(List<(long User, long Period)> Order, Dictionary<(long, long), string> Rows, List<int> BatchRows, List<int> BatchLists);

    /// The lists in the order they come out, each list's rows as text, and the batches' row counts.
    private static async Task<Emitted> Read(IAsyncEnumerable<RecordBatch> batches)
    {
        var order = new List<(long, long)>();
        var rows = new Dictionary<(long, long), string>();
        var batchRows = new List<int>();
        var batchLists = new List<int>();
        await foreach (var batch in batches)
        {
            batchRows.Add(batch.Length);
            var user = (Int64Array)batch.Column("user_id");
            var period = (Int64Array)batch.Column("period");
            var item = (Int64Array)batch.Column("item_id");
            var stage = (Int32Array)batch.Column("stage");
            var lists = ListLayout.Ranges(user.Values, period.Values);
            batchLists.Add(lists.Count);
            foreach (var (start, length) in lists)
            {
                var key = (user.Values[start], period.Values[start]);
                order.Add(key);
                rows.Add(key, string.Join(";", Enumerable.Range(start, length).Select(i => $"{item.Values[i]}:{stage.Values[i]}")));
            }
        }
        return new Emitted(order, rows, batchRows, batchLists);
    }

    private IAsyncEnumerable<RecordBatch> Train() => new ListBatchReader(data.Dir).ReadAsync("train", TargetRows);

    [Fact]
    public async Task Every_list_comes_out_once_and_whole_in_batches_of_the_reader_s_size()
    {
        var fileOrder = await Read(Train());
        var shuffled = await Read(ListShuffleBuffer.Shuffle(Train(), capacity: 100, TargetRows, seed: 1));
        Assert.True(fileOrder.Order.Count > 400, $"{fileOrder.Order.Count} lists");
        Assert.Equal(fileOrder.Rows.Count, shuffled.Order.Count); // no list twice (Add would have thrown), none lost
        foreach (var (key, rows) in fileOrder.Rows) Assert.Equal(rows, shuffled.Rows[key]); // whole, rows in their order
        // A batch stops at the list that reaches the reader's size: over it by less than the longest list.
        var longest = fileOrder.Rows.Values.Max(r => r.Split(';').Length);
        Assert.All(shuffled.BatchRows.SkipLast(1), n => Assert.InRange(n, TargetRows, TargetRows + longest - 1));
        Assert.NotEqual(fileOrder.Order, shuffled.Order);
    }

    [Fact]
    public async Task The_seed_decides_the_order_and_the_buffer_bounds_how_far_a_list_moves_ahead()
    {
        var read = await Read(Train());
        var fileOrder = read.Order;
        var position = fileOrder.Select((key, i) => (key, i)).ToDictionary(x => x.key, x => x.i);
        const int capacity = 100;
        var a = (await Read(ListShuffleBuffer.Shuffle(Train(), capacity, TargetRows, seed: 7))).Order;
        var again = (await Read(ListShuffleBuffer.Shuffle(Train(), capacity, TargetRows, seed: 7))).Order;
        var other = (await Read(ListShuffleBuffer.Shuffle(Train(), capacity, TargetRows, seed: 8))).Order;
        Assert.Equal(a, again);
        Assert.NotEqual(a, other);
        // The k-th list out was among the first capacity + k read (plus the reader batch that topped the buffer
        // up): a list waits in the buffer, it never jumps ahead of it.
        var topUp = read.BatchLists.Max();
        for (var k = 0; k < a.Count; k++)
            Assert.True(position[a[k]] < capacity + topUp + k, $"list {k} came from position {position[a[k]]} (capacity {capacity}, top-up {topUp})");
        // And lists do move: most end up more than 20 places from where they were.
        var moved = a.Select((key, k) => Math.Abs(position[key] - k)).Count(d => d > 20);
        Assert.True(moved > a.Count / 2, $"{moved} of {a.Count} lists moved more than 20 places");
    }

    [Fact]
    public async Task A_buffer_as_large_as_the_split_mixes_its_periods_into_the_first_batch()
    {
        var first = (await Read(ListShuffleBuffer.Shuffle(Train(), capacity: 1_000_000, TargetRows, seed: 3))).Order.Take(50).ToList();
        var periods = first.Select(k => k.Period).Distinct().Count();
        var trainPeriods = (await Read(Train())).Order.Select(k => k.Period).Distinct().Count();
        Assert.True(trainPeriods >= 3, $"{trainPeriods} train periods");
        Assert.True(periods >= Math.Min(3, trainPeriods), $"the first 50 lists are from {periods} periods");
    }

    /// The draws as the buffer makes them, on list keys alone: a pool filled batch by batch, a uniform pick
    /// swap-removed while the pool holds `capacity` lists, a batch out at `targetRows`.
    private static List<(long, long)> ReferenceDraws(Emitted fileBatches, int capacity, int targetRows, int seed)
    {
        var rng = new Random(seed);
        var pool = new List<(long, long)>();
        var order = new List<(long, long)>();
        var rowsOf = fileBatches.Rows.ToDictionary(r => r.Key, r => r.Value.Split(';').Length);
        var next = 0;
        var pickedRows = 0;
        void Drain(bool all)
        {
            while (pool.Count > 0 && (all || pool.Count >= capacity))
            {
                var k = rng.Next(pool.Count);
                var key = pool[k];
                pool[k] = pool[^1];
                pool.RemoveAt(pool.Count - 1);
                order.Add(key);
                pickedRows += rowsOf[key];
                if (pickedRows >= targetRows) pickedRows = 0;
            }
        }
        foreach (var lists in fileBatches.BatchLists)
        {
            pool.AddRange(fileBatches.Order.Skip(next).Take(lists));
            next += lists;
            Drain(all: false);
        }
        Drain(all: true);
        return order;
    }

    [Fact]
    public async Task Copying_lists_out_of_sparse_batches_leaves_the_draws_as_they_are()
    {
        // A small buffer and small output batches against the reader's larger ones: the batches referenced
        // outgrow the buffered rows after a few reads, so the buffer copies lists many times over the split.
        const int capacity = 40, outRows = 300;
        var fileOrder = await Read(Train());
        var shuffled = await Read(ListShuffleBuffer.Shuffle(Train(), capacity, outRows, seed: 5));
        Assert.Equal(ReferenceDraws(fileOrder, capacity, outRows, seed: 5), shuffled.Order);
        foreach (var (key, rows) in fileOrder.Rows) Assert.Equal(rows, shuffled.Rows[key]);
    }
}
