using System.Runtime.CompilerServices;
using Apache.Arrow;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Features;

namespace Mtlds.Pipelines.Datasets;

/// Streams one split of a feature build as Arrow record batches in which every list (all samples of one user
/// in one period) lies whole inside one batch: what the sorting loss needs. Batches hold at least
/// `targetRows` rows unless the split ends first, and more only by the rest of the last list. The split is
/// read column-wise through DuckDB, never loaded whole. The cut points depend on the rows alone, so the
/// same split gives the same batches every time. A split is the files of its periods (`period=N/part-0.parquet`
/// as DuckDB writes them, or folders of part files as Spark writes them), read in period order.
/// `splitPeriods` chooses the valid and test periods (the rest train) instead of the build's default.
public sealed class ListBatchReader(string datasetDir, (int? Valid, int? Test)? splitPeriods = null)
{
    public Manifest Manifest { get; } = splitPeriods is { } s
        ? ReadManifest(datasetDir).Resplit(s.Valid, s.Test)
        : ReadManifest(datasetDir);

    /// The sample columns to read (ids, stage, labels, flags: the manifest's SampleColumns), or null for all
    /// of them; the features are always read. Training and scoring read only what a model reads
    /// (ListBatch.SampleColumns): the labels and flags a build also writes are derived from stage or only
    /// describe the sample, and every column read is a column the shuffle buffer copies.
    public IReadOnlyList<string>? SampleColumns { get; init; }

    private static Manifest ReadManifest(string datasetDir) => Manifest.Read(Path.Combine(datasetDir, "manifest.json"));

    public async IAsyncEnumerable<RecordBatch> ReadAsync(string split, int targetRows = 4096,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (targetRows < 1) throw new ArgumentOutOfRangeException(nameof(targetRows));
        if (!Manifest.Splits.TryGetValue(split, out var summary))
            throw new ConfigurationException($"split '{split}' is not one of {string.Join(", ", Manifest.Splits.Keys)}");
        var reader = Manifest.Format == "csv" ? "read_csv" : "read_parquet";
        var path = $"{datasetDir} ({split}: {string.Join(", ", summary.Files)})";
        if (summary.Files.Count == 0) yield break; // an empty split (--valid-periods 0, or too few periods): no rows, as before
        // A split's periods in order; a file that is a folder (as Spark writes one) stands for its part files.
        var files = string.Join(", ", summary.Files.Select(f => Path.Combine(datasetDir, f))
            .Select(f => Directory.Exists(f) ? Path.Combine(f, Manifest.Format == "csv" ? "*.csv" : "*.parquet") : f)
            .Select(f => $"'{f.Replace("'", "''")}'"));
        var sample = SampleColumns is null ? Manifest.SampleColumns : Manifest.SampleColumns.Where(SampleColumns.Contains).ToList();
        if (SampleColumns?.Except(Manifest.SampleColumns).FirstOrDefault() is { } missing)
            throw new ConfigurationException($"{datasetDir}: the build has no sample column '{missing}' (its manifest lists {string.Join(", ", Manifest.SampleColumns)})");
        var columns = string.Join(", ", sample.Concat(Manifest.Features.Select(f => f.Name)));

        await using var db = new DuckDBConnection("DataSource=:memory:");
        await db.OpenAsync(cancellationToken);
        await using (var setting = db.CreateCommand())
        {
            // DuckDB keeps what it reads from files in its buffer pool (the external file cache, on by default),
            // a few bytes per row read, until the connection closes: an epoch over a 31M-row split grew the
            // process by 150 MB, and 3x that at 3x the rows. Every row is read once per pass, so nothing is lost.
            setting.CommandText = "SET enable_external_file_cache = false";
            await setting.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var cmd = db.CreateCommand();
        // Files are written sorted by (period, user_id, item_id); insertion order is kept, so lists arrive whole.
        cmd.CommandText = $"SELECT {columns} FROM {reader}([{files}])";
        // Without it DuckDB materialises the whole result before the first batch: a 6.5M-row train split
        // took 2.3 GB, 4× the peak of a tenth of it.
        cmd.UseStreamingMode = true;

        var pending = new List<RecordBatch>();
        var pendingRows = 0;
        var listStarts = new List<int>(); // row offsets, within the pending rows, where lists start
        long lastPeriod = long.MinValue, lastUser = long.MinValue;
        await foreach (var imported in cmd.ExecuteArrowBatchesAsync(cancellationToken))
        {
            if (imported.Length == 0) continue;
            // DuckDB releases an imported batch's memory when the next one arrives; a list may span batches,
            // so keep a managed copy.
            var batch = ManagedCopy(imported);
            imported.Dispose();
            var period = (Int64Array)batch.Column("period");
            var user = (Int64Array)batch.Column("user_id");
            for (var i = 0; i < batch.Length; i++)
            {
                var p = period.GetValue(i)!.Value;
                var u = user.GetValue(i)!.Value;
                if (p == lastPeriod && u == lastUser) continue;
                if (p < lastPeriod || (p == lastPeriod && u < lastUser))
                    throw new InputException($"{path}: rows are not sorted by period, user_id (user {u}, period {p}); rebuild it with mtlds features");
                listStarts.Add(pendingRows + i);
                lastPeriod = p;
                lastUser = u;
            }
            pending.Add(batch);
            pendingRows += batch.Length;
            // Cut at the first list that starts at or after targetRows: the batches then depend only on the
            // rows, never on how DuckDB happened to chunk them (which varies with thread timing).
            int cut;
            while ((cut = listStarts.Find(s => s >= targetRows)) > 0)
            {
                yield return Take(pending, 0, cut);
                var rest = Take(pending, cut, pendingRows - cut);
                pending.Clear();
                pending.Add(rest);
                pendingRows = rest.Length;
                listStarts = listStarts.Where(s => s >= cut).Select(s => s - cut).ToList();
            }
        }
        if (pendingRows > 0) yield return Take(pending, 0, pendingRows);
    }

    /// A copy of the batch in managed memory (every buffer copied; Clone would share DuckDB's).
    private static RecordBatch ManagedCopy(RecordBatch batch) =>
        new(batch.Schema, Enumerable.Range(0, batch.ColumnCount)
            .Select(c => ArrowArrayFactory.BuildArray(Copy(batch.Column(c).Data))), batch.Length);

    private static ArrayData Copy(ArrayData data) =>
        new(data.DataType, data.Length, data.NullCount, data.Offset,
            data.Buffers.Select(b => b.IsEmpty ? ArrowBuffer.Empty : new ArrowBuffer(b.Span.ToArray())).ToArray(),
            data.Children?.Select(Copy).ToArray(), data.Dictionary is null ? null : Copy(data.Dictionary));

    /// Rows [offset, offset + rows) of the pending batches, as one batch.
    private static RecordBatch Take(List<RecordBatch> batches, int offset, int rows)
    {
        var parts = new List<RecordBatch>();
        foreach (var b in batches)
        {
            if (rows == 0) break;
            if (offset >= b.Length) { offset -= b.Length; continue; }
            var take = Math.Min(rows, b.Length - offset);
            parts.Add(offset == 0 && take == b.Length ? b : b.Slice(offset, take));
            offset = 0;
            rows -= take;
        }
        if (parts.Count == 1) return parts[0];
        var schema = parts[0].Schema;
        var arrays = Enumerable.Range(0, schema.FieldsList.Count)
            .Select(c => ArrowArrayConcatenator.Concatenate(parts.Select(p => p.Column(c)).ToList()))
            .ToList();
        return new RecordBatch(schema, arrays, parts.Sum(p => p.Length));
    }
}
