namespace Mtlds.Pipelines.Sources;

/// The plain form of a five-column event row: `user,item,category,behavior,ts`, ids and ts as 1 to 18 bare
/// digits, the behaviour one of `Behaviors`' keys exactly (no spaces, no quotes), lines ending in `\n`, and
/// the header, when the format has one, exactly `Header`. A file all of whose rows are in this form means
/// the same to DuckDB's CSV reader as to the source's own parser, so it can be loaded in parallel.
public sealed record StrictCsvForm(string? Header, IReadOnlyDictionary<string, string> Behaviors);
