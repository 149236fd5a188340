namespace Mtlds.Pipelines.Ingestion;

/// One row of a raw file before mapping: where it came from and its fields (null Fields: malformed line).
public readonly record struct RawRow(string File, long Line, IReadOnlyList<string>? Fields, string Text);
