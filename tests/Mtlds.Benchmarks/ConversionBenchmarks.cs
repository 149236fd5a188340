using Apache.Arrow;
using Apache.Arrow.Types;
using BenchmarkDotNet.Attributes;
using Mtlds.Model.Training;

namespace Mtlds.Benchmarks;

/// An Arrow batch shaped like a default training batch (256 lists of about 22 samples, 52 float features)
/// turned into the trainer's tensors: id hashing, log1p standardisation, labels and the list layout.
[MemoryDiagnoser]
public class ConversionBenchmarks
{
    private const int Lists = 256, ListLength = 22, Features = 52;
    private RecordBatch _batch = null!;
    private FeatureSpec _spec = null!;
    private readonly ModelConfig _config = new();

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var n = Lists * ListLength;
        var user = new Int64Array.Builder();
        var item = new Int64Array.Builder();
        var category = new Int64Array.Builder();
        var period = new Int64Array.Builder();
        var stage = new Int32Array.Builder();
        for (var i = 0; i < n; i++)
        {
            user.Append(i / ListLength);
            item.Append(rng.Next(1_000_000));
            category.Append(rng.Next(5_000));
            period.Append(17_500);
            stage.Append(rng.Next(10) switch { < 7 => 0, < 9 => 1, _ => rng.Next(2, 4) });
        }
        var fields = new List<Field>
        {
            new("user_id", Int64Type.Default, false), new("item_id", Int64Type.Default, false),
            new("category_id", Int64Type.Default, false), new("period", Int64Type.Default, false),
            new("stage", Int32Type.Default, false),
        };
        var arrays = new List<IArrowArray> { user.Build(), item.Build(), category.Build(), period.Build(), stage.Build() };
        var names = new List<string>();
        for (var f = 0; f < Features; f++)
        {
            var b = new FloatArray.Builder();
            for (var i = 0; i < n; i++) b.Append((float)(rng.NextDouble() * 20));
            names.Add($"f{f}");
            fields.Add(new Field($"f{f}", FloatType.Default, false));
            arrays.Add(b.Build());
        }
        _batch = new RecordBatch(new Schema(fields, null), arrays, n);
        _spec = new FeatureSpec(names, names.Select(_ => 2.0).ToList(), names.Select(_ => 0.8).ToList());
    }

    [Benchmark]
    public int ArrowBatchToTensors()
    {
        using var batch = ListBatch.FromArrow(_batch, _spec, _config.Tasks, _config.Buckets, _config.ListCap);
        return batch.Rows;
    }
}
