using System.Globalization;

namespace Mtlds.Pipelines.Ingestion;

/// The accepted time range, in Unix seconds: [From, To) narrowed by --from/--to, and nothing after the run's start.
public sealed record TimeWindow(long From, long To, long RunStart)
{
    public static TimeWindow Create(string? from, string? to, DateTimeOffset runStart) =>
        new(from is null ? long.MinValue : Parse(from, "--from"),
            to is null ? long.MaxValue : Parse(to, "--to"),
            runStart.ToUnixTimeSeconds());

    /// A date (2017-11-25, midnight UTC), an ISO 8601 time, or Unix seconds.
    public static long Parse(string value, string option)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return seconds;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return t.ToUnixTimeSeconds();
        throw new ConfigurationException($"{option} '{value}' is not a date (2017-11-25), an ISO 8601 time or Unix seconds");
    }
}
