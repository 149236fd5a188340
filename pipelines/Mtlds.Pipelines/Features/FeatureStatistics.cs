using ParquetSharp;

namespace Mtlds.Pipelines.Features;

/// The standardisation statistics of DESIGN §5: per feature, the mean and population standard deviation of
/// ln(1 + |x|) over a split. Read from the written Parquet file column by column, the columns shared among
/// the cores, whole numbers tallied (Log1pTally): DuckDB's scalar `LN` took 4–5 s of the 10M-event build for this.
/// Nulls are skipped (as SQL's AVG and STDDEV_POP skip them); a column without values gets 0 and 0.
public static class FeatureStatistics
{
    public readonly record struct Moments(double Mean, double Std);

    /// Count, mean and sum of squared deviations: what merges exactly into a larger sample's moments.
    public readonly record struct Partial(long Count, double Mean, double M2)
    {
        public Moments Moments => Count == 0 ? new(0, 0) : new(Mean, Math.Sqrt(M2 / Count));

        /// Chan et al.'s pairwise merge: no cancellation from subtracting two large sums.
        public Partial Merge(Partial other)
        {
            if (other.Count == 0) return this;
            if (Count == 0) return other;
            var total = Count + other.Count;
            var delta = other.Mean - Mean;
            return new Partial(total, Mean + delta * other.Count / total, M2 + other.M2 + delta * delta * ((double)Count * other.Count / total));
        }
    }

    public static IReadOnlyList<Moments> OfParquet(string file, IReadOnlyList<string> columns) =>
        PartialsOfParquet(file, columns).Select(p => p.Moments).ToList();

    public static IReadOnlyList<Partial> PartialsOfParquet(string file, IReadOnlyList<string> columns)
    {
        var result = new Partial[columns.Count];
        var workers = Math.Min(Environment.ProcessorCount, Math.Max(1, columns.Count));
        // Each worker has its own reader (a ParquetFileReader is not for concurrent use) and takes every
        // workers-th column; every column is summed in file order, so the result does not depend on timing.
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            using var reader = new ParquetFileReader(file);
            var schema = reader.FileMetaData.Schema;
            var values = Array.Empty<float>();
            var definitions = Array.Empty<short>();
            var tally = new Log1pTally();
            for (var c = w; c < columns.Count; c += workers)
            {
                var index = ParquetColumnChunk.IndexOf(schema, columns[c], file);
                var partial = default(Partial);
                for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
                {
                    using var group = reader.RowGroup(g);
                    var n = ParquetColumnChunk.ReadNonNull(group, index, columns[c], ref values, ref definitions, file);
                    partial = partial.Merge(tally.Of(values.AsSpan(0, n)));
                }
                result[c] = partial;
            }
        });
        return result;
    }
}
