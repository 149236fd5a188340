using Apache.Arrow;
using Mtlds.Pipelines.Datasets;
using Mtlds.Pipelines.Tests.Fixtures;

namespace Mtlds.Pipelines.Tests.Datasets;

/// The trainer's input: Arrow batches of a split in which every list (user, period) is whole.
public sealed class ListBatchReaderTests(TaobaoDatasetFixture data) : IClassFixture<TaobaoDatasetFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(3000)]
    [InlineData(1_000_000)]
    public async Task Every_list_lies_whole_in_one_batch_and_no_row_is_lost_or_repeated(int targetRows)
    {
        var reader = new ListBatchReader(data.Dir);
        var seenLists = new HashSet<(long, long)>();
        long rows = 0;
        var batches = 0;
        await foreach (var batch in reader.ReadAsync("train", targetRows))
        {
            using (batch)
            {
                batches++;
                var user = (Int64Array)batch.Column("user_id");
                var period = (Int64Array)batch.Column("period");
                var inBatch = new HashSet<(long, long)>();
                for (var i = 0; i < batch.Length; i++) inBatch.Add((user.GetValue(i)!.Value, period.GetValue(i)!.Value));
                Assert.Empty(inBatch.Intersect(seenLists)); // a list seen in an earlier batch never continues here
                seenLists.UnionWith(inBatch);
                rows += batch.Length;
            }
        }
        var split = data.Manifest.Splits["train"];
        Assert.Equal(split.Samples, rows);
        Assert.Equal(split.Lists, seenLists.Count);
        if (targetRows == 1_000_000) Assert.Equal(1, batches);
        if (targetRows == 100) Assert.True(batches > 10);
    }

    [Fact]
    public async Task Batches_are_cut_at_the_first_list_start_past_the_target_so_every_read_gives_the_same_batches()
    {
        async Task<List<int>> Lengths()
        {
            var lengths = new List<int>();
            await foreach (var b in new ListBatchReader(data.Dir).ReadAsync("train", 700)) using (b) lengths.Add(b.Length);
            return lengths;
        }
        var first = await Lengths();
        Assert.Equal(first, await Lengths());
        Assert.All(first.SkipLast(1), n => Assert.True(n >= 700 && n < 700 + 200, $"{n} rows"));
    }

    [Fact]
    public async Task Batches_carry_the_labels_and_every_feature_column_as_arrow_arrays()
    {
        var reader = new ListBatchReader(data.Dir);
        await foreach (var batch in reader.ReadAsync("test", 512))
        {
            using (batch)
            {
                Assert.Equal(reader.Manifest.SampleColumns.Concat(reader.Manifest.Features.Select(f => f.Name)),
                    batch.Schema.FieldsList.Select(f => f.Name));
                Assert.IsType<FloatArray>(batch.Column("user_clicks_7p"));
                Assert.True(batch.Length >= 512 || batch.Length > 0);
            }
        }
    }

    [Fact]
    public async Task Training_reads_only_the_sample_columns_a_model_reads_and_the_same_rows()
    {
        var all = new ListBatchReader(data.Dir);
        var slim = new ListBatchReader(data.Dir) { SampleColumns = Mtlds.Model.Training.ListBatch.SampleColumns };
        var full = await all.ReadAsync("valid", 512).ToListAsync();
        var read = await slim.ReadAsync("valid", 512).ToListAsync();
        Assert.Equal(full.Select(b => b.Length), read.Select(b => b.Length));
        var expected = new[] { "user_id", "item_id", "category_id", "period", "stage" }.Concat(all.Manifest.Features.Select(f => f.Name));
        Assert.All(read, b => Assert.Equal(expected, b.Schema.FieldsList.Select(f => f.Name)));
        for (var i = 0; i < full.Count; i++)
            foreach (var name in expected)
                Assert.True(full[i].Column(name).Data.Buffers[1].Span.SequenceEqual(read[i].Column(name).Data.Buffers[1].Span), $"batch {i}, {name}");
        var unknown = new ListBatchReader(data.Dir) { SampleColumns = ["user_id", "impression_id"] };
        var e = await Assert.ThrowsAsync<ConfigurationException>(async () => { await foreach (var _ in unknown.ReadAsync("valid")) { } });
        Assert.Contains("no sample column 'impression_id'", e.Message);
    }

    [Fact]
    public async Task An_unknown_split_is_refused_with_the_known_ones_named()
    {
        var reader = new ListBatchReader(data.Dir);
        var e = await Assert.ThrowsAsync<ConfigurationException>(async () =>
        {
            await foreach (var _ in reader.ReadAsync("holdout")) { }
        });
        Assert.Contains("train, valid, test", e.Message);
    }
}
