using System.Globalization;
using System.IO.Compression;
using System.Text;
using DuckDB.NET.Data;
using Mtlds.Pipelines.Sources;

namespace Mtlds.Pipelines.Ingestion;

/// Reads the rows of one raw file of a given source format: CSV (plain or gzip, told by its magic bytes,
/// not its name) or Parquet. Line numbers are the file's own (1 = first line, the header included); for
/// Parquet they are row numbers. Yielded rows share one field list: use a row before taking the next.
public static class RawFileReader
{
    public static IEnumerable<RawRow> Read(string file, IEventSource source)
    {
        var kind = Sniff(file);
        return kind == FileKind.Parquet ? ReadParquet(file, source) : ReadCsv(file, source, kind == FileKind.Gzip);
    }

    internal enum FileKind { Csv, Gzip, Parquet }

    /// What a file holds, by its magic bytes rather than its name; an unreadable or empty file is refused.
    internal static FileKind Sniff(string file)
    {
        Span<byte> magic = stackalloc byte[4];
        int n;
        try
        {
            using var s = File.OpenRead(file);
            n = s.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        }
        catch (IOException e) { throw new InputException($"{file}: cannot be read ({e.Message})", e); }
        catch (UnauthorizedAccessException e) { throw new InputException($"{file}: cannot be read ({e.Message})", e); }
        if (n == 0) throw new InputException($"{file}: the file is empty");
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) return FileKind.Gzip;
        if (n == 4 && magic.SequenceEqual("PAR1"u8)) return FileKind.Parquet;
        return FileKind.Csv;
    }

    private static IEnumerable<RawRow> ReadCsv(string file, IEventSource source, bool gzip)
    {
        using var stream = File.OpenRead(file);
        var counted = gzip ? new GzipTrailerCheck(new GZipStream(stream, CompressionMode.Decompress)) : null;
        using var decompressed = counted ?? (Stream)stream;
        // UTF-8 with the BOM skipped when there is one; ReadLine ends lines at \n, \r\n or \r.
        using var reader = new StreamReader(decompressed, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16);
        var fields = new List<string>(16);
        long line = 0;
        var sawData = false;
        while (true)
        {
            string? text;
            try { text = reader.ReadLine(); }
            catch (InvalidDataException e)
            {
                throw new InputException($"{file}:{line + 1}: the gzip stream is corrupt or truncated ({e.Message})", e);
            }
            if (text is null)
            {
                counted?.Verify(file);
                break;
            }
            line++;
            if (line == 1 && source.Header is { } header)
            {
                CsvLine.TrySplit(text, fields);
                if (!fields.Select(f => f.Trim()).SequenceEqual(header, StringComparer.OrdinalIgnoreCase))
                    throw new InputException(
                        $"{file}:1: expected the {source.Name} header '{string.Join(',', header)}' but found '{FieldParsers.Clip(text)}'; is --source right?");
                continue;
            }
            sawData = true;
            yield return new RawRow(file, line, CsvLine.TrySplit(text, fields) ? fields : null, text);
        }
        if (!sawData) throw new InputException($"{file}: the file has no data rows");
    }

    private static IEnumerable<RawRow> ReadParquet(string file, IEventSource source)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        using var cmd = db.CreateCommand();
        var columns = string.Join(", ", source.ParquetColumns.Select(c => $"CAST(\"{c}\" AS VARCHAR)"));
        cmd.CommandText = $"SELECT {columns} FROM read_parquet('{file.Replace("'", "''")}')";
        DuckDBDataReader reader;
        try { reader = cmd.ExecuteReader(); }
        catch (DuckDBException e)
        {
            throw new InputException(
                $"{file}: not a readable {source.Name} Parquet file; it needs the columns {string.Join(", ", source.ParquetColumns)} ({FirstLine(e.Message)})", e);
        }
        using (reader)
        {
            var fields = new List<string>(source.ParquetColumns.Count);
            long row = 0;
            while (reader.Read())
            {
                row++;
                fields.Clear();
                for (var i = 0; i < reader.FieldCount; i++) fields.Add(reader.IsDBNull(i) ? "" : reader.GetString(i));
                yield return new RawRow(file, row, fields, string.Join(',', fields.Select(CsvLine.Quote)));
            }
            if (row == 0) throw new InputException($"{file}: the Parquet file has no rows");
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
