using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mtlds.Pipelines.Features;

/// manifest.json: what a feature build read, rejected, dropped and wrote. Deterministic: no wall-clock
/// times, so the same inputs, options and seed give the same bytes.
public sealed record Manifest
{
    public required string Source { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    public required string Period { get; init; }
    public required int PeriodSeconds { get; init; }
    public required string Timezone { get; init; }
    public required int TzOffsetSeconds { get; init; }
    public required int Seed { get; init; }
    public required int Negatives { get; init; }
    /// 0 when the log has impressions: every impressed sample is kept and nothing is drawn.
    public required int NegativesDrawnPerEngaged { get; init; }
    public required long RowsRead { get; init; }
    public required long RowsAccepted { get; init; }
    public required long RowsRejected { get; init; }
    public required IReadOnlyDictionary<string, long> RejectedByReason { get; init; }
    public required long DuplicatesDropped { get; init; }
    public required long Events { get; init; }
    public required IReadOnlyDictionary<string, long> EventsByBehavior { get; init; }
    public required IReadOnlyDictionary<string, SplitSummary> Splits { get; init; }
    public required IReadOnlyList<string> SampleColumns { get; init; }
    public required IReadOnlyList<FeatureDefinition> Features { get; init; }
    public required string SqlHash { get; init; }
    public required string Format { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Manifest Read(string path)
    {
        if (!File.Exists(path))
            throw new InputException(
                $"{Path.GetDirectoryName(path)}: not a feature build (no manifest.json; a build that was interrupted leaves none); build it with mtlds features");
        try
        {
            return JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), Json) ?? throw new InputException($"{path}: not a manifest");
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}: not a readable manifest ({e.Message})", e);
        }
    }
}

/// One split's file and counts; positives per label.
public sealed record SplitSummary(string File, long Samples, long Lists, long FirstPeriod, long LastPeriod,
    IReadOnlyDictionary<string, long> Positives, long Negatives);

/// A numeric feature: its column, what it means, and the mean and standard deviation of log1p(max(x, 0))
/// over the train split only (for standardising; DESIGN §5).
public sealed record FeatureDefinition(string Name, string Definition, double Log1pMean, double Log1pStd);
