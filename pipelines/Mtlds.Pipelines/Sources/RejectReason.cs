namespace Mtlds.Pipelines.Sources;

/// Why a row was rejected: a stable code (what rejects.csv and the manifest count by) and a detail for people.
public readonly record struct RejectReason(string Code, string Detail)
{
    public const string ColumnCount = "column_count";
    public const string BadId = "bad_id";
    public const string UnknownBehavior = "unknown_behavior";
    public const string BadTimestamp = "bad_timestamp";
    public const string TimestampOutOfRange = "timestamp_out_of_range";
    public const string OutsideWindow = "outside_window";
    public const string Malformed = "malformed_csv";
    public const string EmptyLine = "empty_line";
}
