using System.Globalization;

namespace Mtlds.Pipelines.Sources;

/// Shared field conversions, so every source rejects the same things with the same words.
internal static class FieldParsers
{
    public static bool TryId(string field, string column, out long id, out RejectReason reason)
    {
        var s = field.AsSpan().Trim();
        // Some exports write integer ids as floats ("123.0"); accept those, but nothing fractional.
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out id)
            || (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                && d >= 0 && d < 9.2e18 && Math.Floor(d) == d && (id = (long)d) >= 0 && s.IndexOfAny('e', 'E') < 0))
        {
            reason = default;
            return true;
        }
        id = 0;
        reason = new RejectReason(RejectReason.BadId, $"{column} '{Clip(field)}' is not a non-negative integer");
        return false;
    }

    public static bool TryUnixSeconds(string field, out long ts, out RejectReason reason)
    {
        if (long.TryParse(field.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ts))
        {
            reason = default;
            return true;
        }
        reason = new RejectReason(RejectReason.BadTimestamp, $"timestamp '{Clip(field)}' is not Unix seconds");
        return false;
    }

    /// ISO 8601 in UTC ("2017-11-26T01:00:00Z", also with an explicit offset or a space) or Unix seconds.
    public static bool TryIsoOrUnix(string field, out long ts, out RejectReason reason)
    {
        var s = field.Trim();
        var digits = s.StartsWith('-') ? s.AsSpan(1) : s.AsSpan();
        if (digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9'))
            return TryUnixSeconds(s, out ts, out reason);
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            ts = dto.ToUnixTimeSeconds();
            reason = default;
            return true;
        }
        ts = 0;
        reason = new RejectReason(RejectReason.BadTimestamp, $"timestamp '{Clip(field)}' is neither ISO 8601 nor Unix seconds");
        return false;
    }

    public static RejectReason UnknownBehavior(string value, string expected) =>
        new(RejectReason.UnknownBehavior, $"behavior '{Clip(value)}' is not one of {expected}");

    public static RejectReason ColumnCount(int got, int expected) =>
        new(RejectReason.ColumnCount, $"{got} columns where {expected} are expected");

    public static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
