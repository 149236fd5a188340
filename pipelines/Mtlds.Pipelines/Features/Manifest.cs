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
    /// Rows of periods an earlier build already holds, skipped by an append (0 in a full build).
    public long RowsAlreadyBuilt { get; init; }
    /// Every period built, in order: its folder (Hive-style `period=N/`), counts and the partial statistics
    /// that merge into any split's. Appends add periods; a full build writes them all.
    public required IReadOnlyList<PeriodSummary> Periods { get; init; }
    /// The periods the last ValidPeriods-before-TestPeriods rule assigns to each split, with their files
    /// and counts; Features carries the train split's statistics.
    public required IReadOnlyDictionary<string, SplitSummary> Splits { get; init; }
    public required int ValidPeriods { get; init; }
    public required int TestPeriods { get; init; }
    public required double Alpha { get; init; }
    public required IReadOnlyList<string> SampleColumns { get; init; }
    public required IReadOnlyList<FeatureDefinition> Features { get; init; }
    public required string SqlHash { get; init; }
    public required string Format { get; init; }

    /// The same build with other splits: the last `testPeriods` periods test, the `validPeriods` before them
    /// valid, the rest train, and the train statistics merged for that range. A count not given keeps the build's.
    public Manifest Resplit(int? valid, int? test)
    {
        var (validPeriods, testPeriods) = (valid ?? ValidPeriods, test ?? TestPeriods);
        if (validPeriods < 0 || testPeriods < 1) throw new ConfigurationException("--valid-periods must be ≥ 0 and --test-periods ≥ 1");
        if (validPeriods + testPeriods >= Periods.Count)
            throw new ConfigurationException(
                $"--valid-periods {validPeriods} and --test-periods {testPeriods} leave no period to train on (the build has {Periods.Count})");
        var splits = PeriodSplits.Of(Periods, validPeriods, testPeriods);
        return this with
        {
            Splits = splits,
            Features = PeriodSplits.TrainStatistics(Periods, splits["train"], Features.Select(f => f.Name).ToList()),
            ValidPeriods = validPeriods,
            TestPeriods = testPeriods,
        };
    }

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

/// One split's files (its periods' files, in period order) and counts; positives per label.
public sealed record SplitSummary(IReadOnlyList<string> Files, long Samples, long Lists, long FirstPeriod, long LastPeriod,
    IReadOnlyDictionary<string, long> Positives, long Negatives);

/// One period's file (relative to the build's folder), counts, and per feature the count, mean and sum of
/// squared deviations of log1p(|x|): partial statistics that merge exactly (Chan et al.) into a split's.
public sealed record PeriodSummary(long Period, string File, long Samples, long Lists,
    IReadOnlyDictionary<string, long> Positives, long Negatives,
    IReadOnlyList<long> Log1pCount, IReadOnlyList<double> Log1pMean, IReadOnlyList<double> Log1pM2);

/// A numeric feature: its column, what it means, and the mean and standard deviation of log1p(max(x, 0))
/// over the train split only (for standardising; DESIGN §5).
public sealed record FeatureDefinition(string Name, string Definition, double Log1pMean, double Log1pStd);
