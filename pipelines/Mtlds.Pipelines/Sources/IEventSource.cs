namespace Mtlds.Pipelines.Sources;

/// A raw log format that maps onto canonical events (DESIGN §3). One implementation per format.
public interface IEventSource
{
    /// The name users pass to --source.
    string Name { get; }

    /// The header a CSV file of this format starts with, or null when the format has none (Taobao).
    /// Parquet files must carry these column names (Taobao: TaobaoSource.ParquetColumns).
    IReadOnlyList<string>? Header { get; }

    /// Column names read from Parquet files, in the order Parse expects its fields.
    IReadOnlyList<string> ParquetColumns { get; }

    /// Maps one row's fields to an event; returns false with the reason when the row is invalid.
    /// Range checks on the timestamp are the caller's (they depend on the run), not the source's.
    bool TryParse(IReadOnlyList<string> fields, out CanonicalEvent ev, out RejectReason reason);

    /// The plainest form of this format's rows, `user,item,category,behavior,unix_seconds` with bare digits,
    /// for which a plain CSV file may be loaded by DuckDB's parallel reader instead of row by row; null when
    /// the format has no such form. TryParse must accept every row in this form with the same values.
    StrictCsvForm? StrictForm => null;
}
