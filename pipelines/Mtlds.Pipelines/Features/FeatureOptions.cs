using System.Globalization;

namespace Mtlds.Pipelines.Features;

/// Everything `mtlds features` needs. Defaults follow DESIGN §4–§5.
public sealed record FeatureOptions
{
    public required string Source { get; init; }
    public required string EventsPath { get; init; }
    public required string OutDir { get; init; }
    /// "day" or "hour".
    public string Period { get; init; } = "day";
    /// Negatives drawn per engaged sample when the log has no impressions (0..32).
    public int Negatives { get; init; } = 4;
    public int Seed { get; init; } = 42;
    /// "parquet" or "csv".
    public string Format { get; init; } = "parquet";
    public string? From { get; init; }
    public string? To { get; init; }
    /// IANA zone whose local day cuts the periods (Asia/Shanghai for Taobao); UTC by default.
    public string Timezone { get; init; } = "UTC";
    public int ValidPeriods { get; init; } = 1;
    public int TestPeriods { get; init; } = 1;
    /// Smoothing strength of the rates: (count + alpha·prior) / (clicks + alpha).
    public double Alpha { get; init; } = 10;
    /// Build only the periods after the last one the output folder holds, onto that build (same options).
    public bool Append { get; init; }
    /// Folder of the feature SQL; by default the copy shipped beside the binaries (sql/features).
    public string? SqlDirectory { get; init; }
    /// Timestamps after this are rejected; the run's start unless a test pins it.
    public DateTimeOffset? RunStart { get; init; }

    public int PeriodSeconds => Period switch
    {
        "day" => 86_400,
        "hour" => 3_600,
        _ => throw new ConfigurationException($"--period '{Period}' is not one of day, hour"),
    };

    /// The `${name}` values of sql/features for this build: the zone's offset and the negatives per engaged
    /// sample are the data's (FeatureBuilder settles them after reading the events).
    /// `negativesPeriods`: the periods 03_negatives draws for (all from `firstPeriod` on unless given).
    /// The SQL's variables; `pass` is the periods one pass of the build makes (BuildPasses), every period from
    /// the first built on when not given (one pass: what Spark runs).
    public IReadOnlyDictionary<string, string> SqlVariables(int tzOffsetSeconds, int negatives, long firstPeriod = 0,
        (long From, long To)? pass = null) => new Dictionary<string, string>
    {
        ["first_period"] = firstPeriod.ToString(CultureInfo.InvariantCulture),
        ["group_from"] = (pass?.From ?? firstPeriod).ToString(CultureInfo.InvariantCulture),
        ["group_to"] = (pass?.To ?? long.MaxValue).ToString(CultureInfo.InvariantCulture),
        ["period_seconds"] = PeriodSeconds.ToString(CultureInfo.InvariantCulture),
        ["tz_offset_seconds"] = tzOffsetSeconds.ToString(CultureInfo.InvariantCulture),
        ["negatives"] = negatives.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
        ["alpha"] = Alpha.ToString("R", CultureInfo.InvariantCulture),
        ["valid_periods"] = ValidPeriods.ToString(CultureInfo.InvariantCulture),
        ["test_periods"] = TestPeriods.ToString(CultureInfo.InvariantCulture),
    };

    public void Validate()
    {
        _ = PeriodSeconds;
        if (Negatives is < 0 or > 32) throw new ConfigurationException($"--negatives {Negatives} is outside 0..32");
        if (Seed is < 0 or >= int.MaxValue) throw new ConfigurationException($"--seed {Seed} is outside 0..2147483646");
        if (Format is not ("parquet" or "csv")) throw new ConfigurationException($"--format '{Format}' is not one of parquet, csv");
        if (ValidPeriods < 0 || TestPeriods < 1) throw new ConfigurationException("--valid-periods must be ≥ 0 and --test-periods ≥ 1");
        if (!(Alpha > 0)) throw new ConfigurationException($"alpha {Alpha} must be positive");
    }
}
