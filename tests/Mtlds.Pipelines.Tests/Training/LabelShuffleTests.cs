using Apache.Arrow;
using Mtlds.Pipelines.Training;

namespace Mtlds.Pipelines.Tests.Training;

public sealed class LabelShuffleTests
{
    /// Ten lists of eight rows (user u, period 1), stages 0,0,0,0,1,1,2,3 in each.
    private static RecordBatch Lists()
    {
        var users = Enumerable.Range(0, 80).Select(i => (long)(i / 8)).ToArray();
        var stages = Enumerable.Range(0, 80).Select(i => new[] { 0, 0, 0, 0, 1, 1, 2, 3 }[i % 8]).ToArray();
        var schema = new Schema.Builder()
            .Field(f => f.Name("user_id").DataType(Apache.Arrow.Types.Int64Type.Default))
            .Field(f => f.Name("period").DataType(Apache.Arrow.Types.Int64Type.Default))
            .Field(f => f.Name("stage").DataType(Apache.Arrow.Types.Int32Type.Default)).Build();
        return new RecordBatch(schema, [
            new Int64Array.Builder().AppendRange(users).Build(),
            new Int64Array.Builder().AppendRange(Enumerable.Repeat(1L, 80)).Build(),
            new Int32Array.Builder().AppendRange(stages).Build()], 80);
    }

    private static int[][] Stages(double rate, int seed)
    {
        var batch = LabelShuffle.Apply(new[] { Lists() }.ToAsyncEnumerable(), rate, seed).ToBlockingEnumerable().Single();
        var stage = (Int32Array)batch.Column("stage");
        return Enumerable.Range(0, 10).Select(l => Enumerable.Range(l * 8, 8).Select(i => stage.GetValue(i)!.Value).ToArray()).ToArray();
    }

    [Fact]
    public void Stages_are_permuted_within_lists_only_for_the_chosen_share_and_the_same_seed_chooses_the_same()
    {
        int[] original = [0, 0, 0, 0, 1, 1, 2, 3];
        Assert.All(Stages(0, 1), list => Assert.Equal(original, list));
        var all = Stages(1, 1);
        Assert.All(all, list => Assert.Equal(original, list.Order()));   // each list keeps its stages
        Assert.Contains(all, list => !list.SequenceEqual(original));     // and their order is violated
        var half = Stages(0.5, 1);
        Assert.InRange(half.Count(list => !list.SequenceEqual(original)), 1, 9);
        Assert.Equal(half, Stages(0.5, 1));
    }
}
