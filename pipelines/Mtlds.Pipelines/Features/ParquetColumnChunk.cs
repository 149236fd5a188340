using ParquetSharp;

namespace Mtlds.Pipelines.Features;

/// One column of one row group read into buffers that are reused from group to group: the values come packed
/// (nulls skipped, as SQL's aggregates skip them) and the definition levels count the rows.
internal static class ParquetColumnChunk
{
    /// The column's index in the schema, or an error naming the file.
    public static int IndexOf(SchemaDescriptor schema, string name, string file) =>
        schema.ColumnIndex(name) is var index and >= 0 ? index : throw new InvalidOperationException($"{file}: has no column '{name}'");

    /// Reads the non-null values of column `index` (named `name`) of `group` into `values`; returns how many.
    /// Both buffers grow to the group's rows when they are shorter.
    public static int ReadNonNull<T>(RowGroupReader group, int index, string name, ref T[] values, ref short[] definitions, string file)
        where T : unmanaged
    {
        var rows = (int)group.MetaData.NumRows;
        if (values.Length < rows) values = new T[rows];
        if (definitions.Length < rows) definitions = new short[rows];
        using var column = group.Column(index);
        if (column is not ColumnReader<T> typed)
            throw new InvalidOperationException($"{file}: column '{name}' is {column.ColumnDescriptor.PhysicalType}, not {PhysicalTypeOf<T>()}");
        int n = 0, levels = 0;
        while (typed.HasNext && levels < rows)
        {
            levels += (int)typed.ReadBatch(rows - levels, definitions.AsSpan(levels), null, values.AsSpan(n), out var read);
            n += (int)read;
        }
        return n;
    }

    private static string PhysicalTypeOf<T>() =>
        typeof(T) == typeof(float) ? nameof(PhysicalType.Float)
        : typeof(T) == typeof(int) ? nameof(PhysicalType.Int32)
        : typeof(T) == typeof(long) ? nameof(PhysicalType.Int64)
        : typeof(T).Name;
}
