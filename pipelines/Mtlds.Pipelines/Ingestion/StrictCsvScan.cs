using System.Text;
using Mtlds.Pipelines.Sources;
using Microsoft.Win32.SafeHandles;

namespace Mtlds.Pipelines.Ingestion;

/// Checks, in parallel over the bytes of a plain CSV file, that every row is in a source's strict form and
/// accepted by the run's time window. Only then may the file be loaded by DuckDB's own parallel reader: such
/// rows mean the same to both readers, and none would be rejected. One row out of form, and the caller
/// reads the file row by row instead, which names the line and the reason.
public static class StrictCsvScan
{
    /// What a scan of a file in strict form found: its data rows, accepted rows per canonical behaviour, and
    /// the time range.
    public sealed record Summary(long Rows, IReadOnlyDictionary<string, long> RowsByBehavior, long MinTs, long MaxTs);

    private const int MaxDigits = 18; // every 18-digit number fits a long
    private const int BufferSize = 1 << 20;

    /// The summary, or null when any row is out of form or outside [minTs, maxTs], or the file has no rows.
    public static Summary? Scan(string file, StrictCsvForm form, long minTs, long maxTs)
    {
        using var handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        var length = RandomAccess.GetLength(handle);
        long start = 0;
        if (form.Header is { } header)
        {
            var expected = Encoding.ASCII.GetBytes(header + "\n");
            var head = new byte[expected.Length];
            if (RandomAccess.Read(handle, head, 0) != head.Length || !head.AsSpan().SequenceEqual(expected)) return null;
            start = expected.Length;
        }
        if (start >= length) return null;

        var keys = form.Behaviors.Keys.ToArray();
        var tokens = keys.Select(k => Encoding.ASCII.GetBytes(k)).ToArray();
        var ranges = Split(handle, start, length, Environment.ProcessorCount);
        var parts = new Part?[ranges.Count];
        Parallel.For(0, ranges.Count, i => parts[i] = ScanRange(handle, ranges[i].Start, ranges[i].End, tokens, minTs, maxTs));
        if (parts.Any(p => p is null)) return null;

        var byBehavior = new Dictionary<string, long>();
        for (var t = 0; t < keys.Length; t++)
        {
            var n = parts.Sum(p => p!.Counts[t]);
            if (n > 0) byBehavior[form.Behaviors[keys[t]]] = byBehavior.GetValueOrDefault(form.Behaviors[keys[t]]) + n;
        }
        var rows = parts.Sum(p => p!.Rows);
        return rows == 0 ? null
            : new Summary(rows, byBehavior, parts.Where(p => p!.Rows > 0).Min(p => p!.MinTs), parts.Where(p => p!.Rows > 0).Max(p => p!.MaxTs));
    }

    private sealed class Part(int tokens)
    {
        public long Rows;
        public readonly long[] Counts = new long[tokens];
        public long MinTs = long.MaxValue, MaxTs = long.MinValue;
    }

    /// Cuts [start, length) into up to `n` ranges that each begin at the start of a line.
    private static List<(long Start, long End)> Split(SafeFileHandle handle, long start, long length, int n)
    {
        var cuts = new List<long> { start };
        var probe = new byte[64 * 1024];
        for (var i = 1; i < n; i++)
        {
            var at = Math.Max(start + (length - start) * i / n, cuts[^1]);
            var next = -1L;
            while (at < length && next < 0)
            {
                var read = RandomAccess.Read(handle, probe, at);
                if (read == 0) break; // the file shrank under us; the scan of the ranges will notice
                var nl = probe.AsSpan(0, read).IndexOf((byte)'\n');
                if (nl >= 0) next = at + nl + 1;
                else at += read;
            }
            if (next < 0 || next >= length) break;
            if (next > cuts[^1]) cuts.Add(next);
        }
        cuts.Add(length);
        return cuts.Zip(cuts.Skip(1)).Where(r => r.First < r.Second).ToList();
    }

    private static Part? ScanRange(SafeFileHandle handle, long start, long end, byte[][] tokens, long minTs, long maxTs)
    {
        var part = new Part(tokens.Length);
        var buffer = new byte[BufferSize];
        var filled = 0;
        var at = start;
        while (true)
        {
            var read = at < end ? RandomAccess.Read(handle, buffer.AsSpan(filled, (int)Math.Min(buffer.Length - filled, end - at)), at) : 0;
            if (read == 0 && at < end) return null; // the file shrank while it was read
            at += read;
            filled += read;
            var atEnd = at >= end;
            var span = buffer.AsSpan(0, filled);
            var consumed = 0;
            while (true)
            {
                var rest = span[consumed..];
                var nl = rest.IndexOf((byte)'\n');
                if (nl < 0)
                {
                    // The file's last line may lack its newline; anywhere else, wait for more bytes.
                    if (!atEnd) break;
                    if (rest.Length > 0 && !Row(rest, tokens, part, minTs, maxTs)) return null;
                    return part;
                }
                if (!Row(rest[..nl], tokens, part, minTs, maxTs)) return null;
                consumed += nl + 1;
            }
            if (consumed == 0 && filled == buffer.Length) return null; // a line longer than the buffer is not a strict row
            span[consumed..].CopyTo(buffer);
            filled -= consumed;
        }
    }

    /// One line, without its newline: digits,digits,digits,token,digits with the time in range.
    private static bool Row(ReadOnlySpan<byte> line, byte[][] tokens, Part part, long minTs, long maxTs)
    {
        var pos = 0;
        if (!Digits(line, ref pos, out _) || !Comma(line, ref pos)
            || !Digits(line, ref pos, out _) || !Comma(line, ref pos)
            || !Digits(line, ref pos, out _) || !Comma(line, ref pos))
            return false;
        var comma = line[pos..].IndexOf((byte)',');
        if (comma < 0) return false;
        var behavior = line.Slice(pos, comma);
        var token = -1;
        for (var t = 0; t < tokens.Length; t++)
            if (behavior.SequenceEqual(tokens[t])) { token = t; break; }
        if (token < 0) return false;
        pos += comma + 1;
        if (!Digits(line, ref pos, out var ts) || pos != line.Length || ts < minTs || ts > maxTs) return false;
        part.Rows++;
        part.Counts[token]++;
        if (ts < part.MinTs) part.MinTs = ts;
        if (ts > part.MaxTs) part.MaxTs = ts;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> line, ref int pos, out long value)
    {
        value = 0;
        var begin = pos;
        while (pos < line.Length && (uint)(line[pos] - '0') <= 9)
        {
            value = value * 10 + (line[pos] - '0');
            pos++;
        }
        return pos > begin && pos - begin <= MaxDigits;
    }

    private static bool Comma(ReadOnlySpan<byte> line, ref int pos)
    {
        if (pos >= line.Length || line[pos] != ',') return false;
        pos++;
        return true;
    }
}
