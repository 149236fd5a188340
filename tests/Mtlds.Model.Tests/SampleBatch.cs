using Apache.Arrow;
using Apache.Arrow.Types;

namespace Mtlds.Model.Tests;

/// A batch of samples in the columns the trainer reads: the keys, one period, the stage, and float features
/// without nulls. Categories are item ids modulo `categories`.
internal static class SampleBatch
{
    public static RecordBatch Of(IReadOnlyList<long> users, IReadOnlyList<long> items, IReadOnlyList<int> stages,
        long period, int categories, params (string Name, IEnumerable<float> Values)[] features)
    {
        var fields = new List<Field>
        {
            new("user_id", Int64Type.Default, false), new("item_id", Int64Type.Default, false),
            new("category_id", Int64Type.Default, false), new("period", Int64Type.Default, false),
            new("stage", Int32Type.Default, false),
        };
        var arrays = new List<IArrowArray>
        {
            new Int64Array.Builder().AppendRange(users).Build(),
            new Int64Array.Builder().AppendRange(items).Build(),
            new Int64Array.Builder().AppendRange(items.Select(i => i % categories)).Build(),
            new Int64Array.Builder().AppendRange(users.Select(_ => period)).Build(),
            new Int32Array.Builder().AppendRange(stages).Build(),
        };
        foreach (var (name, values) in features)
        {
            fields.Add(new Field(name, FloatType.Default, false));
            arrays.Add(new FloatArray.Builder().AppendRange(values).Build());
        }
        return new RecordBatch(new Schema(fields, null), arrays, users.Count);
    }
}
