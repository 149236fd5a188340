namespace Mtlds.Pipelines.Ingestion;

/// What ingestion read and did with it. RowsRead = RowsAccepted + RowsRejected always holds.
public sealed record IngestResult(
    IReadOnlyList<string> Files,
    long RowsRead,
    long RowsAccepted,
    long RowsRejected,
    IReadOnlyDictionary<string, long> RejectedByReason,
    IReadOnlyDictionary<string, long> AcceptedByBehavior,
    long MinTs,
    long MaxTs);
