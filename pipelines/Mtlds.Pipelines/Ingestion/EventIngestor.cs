using DuckDB.NET.Data;
using Mtlds.Pipelines.Sources;

namespace Mtlds.Pipelines.Ingestion;

/// Loads raw files of one source format into the DuckDB table `raw_events` (canonical columns, accepted rows
/// only, duplicates still in) and writes every rejected row to rejects.csv. This is the DuckDB engine's
/// loading step; from `raw_events` on, the portable SQL in sql/features takes over.
public sealed class EventIngestor(IEventSource source, TimeWindow window)
{
    /// 2000-01-01T00:00:00Z: earlier timestamps are rejected (DESIGN §3).
    public const long EarliestTs = 946_684_800;

    /// Whether plain CSV files in the source's strict form are loaded by DuckDB's parallel CSV reader (the
    /// default); off, every file is read row by row. Both give the same rows and counts (IngestionPathTests).
    public bool UseStrictReader { get; init; } = true;

    public IngestResult Ingest(DuckDBConnection db, string eventsPath, RejectsWriter rejects, Action<long>? onRows = null)
    {
        using (var create = db.CreateCommand())
        {
            create.CommandText = "CREATE OR REPLACE TABLE raw_events (user_id BIGINT, item_id BIGINT, category_id BIGINT, behavior VARCHAR, ts BIGINT)";
            create.ExecuteNonQuery();
        }
        var files = InputFiles.Resolve(eventsPath);
        long read = 0, accepted = 0, minTs = long.MaxValue, maxTs = long.MinValue;
        var rejected = new Dictionary<string, long>();
        var behaviors = new Dictionary<string, long>();

        foreach (var file in files)
        {
            // A file all in strict form goes through DuckDB's parallel reader; any other file row by row, so that
            // each rejected row is named with its line and reason.
            if (UseStrictReader && TryLoadStrict(db, file) is { } strict)
            {
                read += strict.Rows;
                accepted += strict.Rows;
                foreach (var (behavior, n) in strict.RowsByBehavior) behaviors[behavior] = behaviors.GetValueOrDefault(behavior) + n;
                minTs = Math.Min(minTs, strict.MinTs);
                maxTs = Math.Max(maxTs, strict.MaxTs);
                onRows?.Invoke(read);
                continue;
            }
            using (var appender = db.CreateAppender("raw_events"))
            {
                long parsedInFile = 0, rowsInFile = 0;
                RawRow firstBad = default;
                RejectReason firstReason = default;
                foreach (var row in RawFileReader.Read(file, source))
                {
                    read++;
                    rowsInFile++;
                    if ((read & 0xFFFF) == 0) onRows?.Invoke(read);
                    RejectReason reason;
                    CanonicalEvent ev = default;
                    var ok = row.Fields is null
                        ? Fail(out reason, new RejectReason(RejectReason.Malformed, "not RFC 4180 CSV: a quoted field not closed on its line, or a quote inside an unquoted field or after a closing one"))
                        : row.Text.Length == 0 || row.Text.AsSpan().Trim().IsEmpty
                            ? Fail(out reason, new RejectReason(RejectReason.EmptyLine, "the line is empty"))
                            : source.TryParse(row.Fields, out ev, out reason);
                    if (ok)
                    {
                        parsedInFile++;
                        ok = CheckTime(ev.Ts, out reason);
                    }
                    else if (firstBad.File is null)
                    {
                        firstBad = row;
                        firstReason = reason;
                    }
                    if (!ok)
                    {
                        rejected[reason.Code] = rejected.GetValueOrDefault(reason.Code) + 1;
                        rejects.Write(row.File, row.Line, reason.Code, reason.Detail, row.Text);
                        continue;
                    }
                    accepted++;
                    behaviors[ev.Behavior] = behaviors.GetValueOrDefault(ev.Behavior) + 1;
                    if (ev.Ts < minTs) minTs = ev.Ts;
                    if (ev.Ts > maxTs) maxTs = ev.Ts;
                    appender.CreateRow()
                        .AppendValue(ev.UserId).AppendValue(ev.ItemId).AppendValue(ev.CategoryId)
                        .AppendValue(ev.Behavior).AppendValue(ev.Ts)
                        .EndRow();
                }
                // A file none of whose rows is in the format is the wrong file, not a file of bad rows.
                if (parsedInFile == 0 && rowsInFile > 0)
                    throw new InputException(
                        $"{file}: none of its {rowsInFile} rows is a {source.Name} row (line {firstBad.Line}: {firstReason.Detail}); is --source right?");
            }
        }
        onRows?.Invoke(read);
        return new IngestResult(files, read, accepted, read - accepted, rejected, behaviors,
            accepted > 0 ? minTs : 0, accepted > 0 ? maxTs : 0);
    }

    /// DuckDB's reader of a plain CSV file of the five raw columns, with no guessing of the dialect or the types.
    internal static string ReadCsv(string file, bool header) =>
        $"read_csv('{file.Replace("'", "''")}', header = {(header ? "true" : "false")}, auto_detect = false, delim = ',', quote = '\"', "
        + "escape = '\"', compression = 'none', "
        + "columns = {'user_id': 'BIGINT', 'item_id': 'BIGINT', 'category_id': 'BIGINT', 'behavior': 'VARCHAR', 'ts': 'BIGINT'})";

    private StrictCsvScan.Summary? TryLoadStrict(DuckDBConnection db, string file)
    {
        // DuckDB would read a path with wildcard characters as a glob.
        if (source.StrictForm is not { } form || file.AsSpan().IndexOfAny("*?[]{}") >= 0
            || RawFileReader.Sniff(file) != RawFileReader.FileKind.Csv)
            return null;
        var (minTs, maxTs) = AcceptedTimes();
        var summary = StrictCsvScan.Scan(file, form, minTs, maxTs);
        if (summary is null) return null;
        var behavior = form.Behaviors.All(b => b.Key == b.Value)
            ? "behavior"
            : "CASE behavior " + string.Concat(form.Behaviors.Select(b => $"WHEN '{b.Key}' THEN '{b.Value}' ")) + "END";
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"""
            INSERT INTO raw_events
            SELECT user_id, item_id, category_id, {behavior}, ts
            FROM {ReadCsv(file, form.Header is not null)}
            """;
        // Both readers see the same bytes, so they agree unless the file changed in between (still being
        // written?); never pass over a difference. The build fails whole and leaves no output.
        const string Changed = "was it still being written? Run again once it is complete";
        int loaded;
        try { loaded = cmd.ExecuteNonQuery(); }
        catch (DuckDBException e)
        {
            throw new InputException($"{file}: changed while it was read ({e.Message.Split('\n')[0]}); {Changed}", e);
        }
        if (loaded != summary.Rows)
            throw new InputException($"{file}: {summary.Rows} rows when checked but {loaded} when loaded; {Changed}");
        return summary;
    }

    /// The timestamps CheckTime accepts, as an inclusive range.
    private (long Min, long Max) AcceptedTimes() =>
        (Math.Max(EarliestTs, window.From), Math.Min(window.RunStart, window.To == long.MinValue ? long.MinValue : window.To - 1));

    private bool CheckTime(long ts, out RejectReason reason)
    {
        if (ts < EarliestTs || ts > window.RunStart)
        {
            reason = new RejectReason(RejectReason.TimestampOutOfRange,
                $"timestamp {ts} is before 2000-01-01 or after the run's start");
            return false;
        }
        if (ts < window.From || ts >= window.To)
        {
            reason = new RejectReason(RejectReason.OutsideWindow, $"timestamp {ts} is outside --from/--to");
            return false;
        }
        reason = default;
        return true;
    }

    private static bool Fail(out RejectReason reason, RejectReason value)
    {
        reason = value;
        return false;
    }
}
