using System.Globalization;
using System.Text.RegularExpressions;

namespace Mtlds.Pipelines.Sources;

/// Shared field conversions, so every source rejects the same things with the same words.
internal static partial class FieldParsers
{
    public static bool TryId(string field, string column, out long id, out RejectReason reason)
    {
        var s = field.AsSpan().Trim();
        // Some exports write integer ids as floats ("123.0"); accept those, but nothing fractional. .NET's number
        // parsing ignores trailing NUL characters; a field holding one is not a number here (nor on Spark).
        var d = 0.0;
        if (s.IndexOf('\0') < 0
            && (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out id)
                || (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d)
                    && d >= 0 && d < 9.2e18 && Math.Floor(d) == d && (id = (long)d) >= 0 && s.IndexOfAny('e', 'E') < 0)))
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
        var s = field.AsSpan().Trim();
        if (s.IndexOf('\0') < 0 && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ts))
        {
            reason = default;
            return true;
        }
        ts = 0;
        reason = new RejectReason(RejectReason.BadTimestamp, $"timestamp '{Clip(field)}' is not Unix seconds");
        return false;
    }

    /// Unix seconds, or ISO 8601 in one explicit form: `YYYY-MM-DD`, then optionally `T` or a space and
    /// `HH:MM[:SS[.fraction]]`, then optionally `Z` or an offset `±HH:MM` / `±HHMM` (none: UTC). Fractions are
    /// dropped. Nothing else (no locale formats, no guessing): the Spark loading parses exactly this grammar in
    /// SQL (sql/loading/03_values.sql), so the two engines accept the same times.
    public static bool TryIsoOrUnix(string field, out long ts, out RejectReason reason)
    {
        var s = field.Trim();
        var digits = s.StartsWith('-') ? s.AsSpan(1) : s.AsSpan();
        if (digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9'))
            return TryUnixSeconds(s, out ts, out reason);
        if (TryIso(s, out ts))
        {
            reason = default;
            return true;
        }
        ts = 0;
        reason = new RejectReason(RejectReason.BadTimestamp, $"timestamp '{Clip(field)}' is neither ISO 8601 (2017-11-26T01:00:00Z) nor Unix seconds");
        return false;
    }

    private static bool TryIso(string s, out long ts)
    {
        ts = 0;
        var m = IsoTime().Match(s);
        if (!m.Success) return false;
        int N(int g) => m.Groups[g].Success ? int.Parse(m.Groups[g].ValueSpan, CultureInfo.InvariantCulture) : 0;
        int year = N(1), month = N(2), day = N(3), hour = N(4), minute = N(5), second = N(6);
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
            return false;
        var offset = 0;
        if (m.Groups[7].Success)
        {
            int oh = N(8), om = N(9);
            if (om > 59 || oh * 60 + om > 14 * 60) return false;
            offset = (m.Groups[7].Value == "-" ? -1 : 1) * (oh * 3600 + om * 60);
        }
        ts = (new DateOnly(year, month, day).DayNumber - UnixEpochDay) * 86_400L + hour * 3600 + minute * 60 + second - offset;
        return true;
    }

    private static readonly int UnixEpochDay = new DateOnly(1970, 1, 1).DayNumber;

    [GeneratedRegex(@"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,9})?)?)?(?:Z|([+-])([0-9]{2}):?([0-9]{2}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTime();

    public static RejectReason UnknownBehavior(string value, string expected) =>
        new(RejectReason.UnknownBehavior, $"behavior '{Clip(value)}' is not one of {expected}");

    public static RejectReason ColumnCount(int got, int expected) =>
        new(RejectReason.ColumnCount, $"{got} columns where {expected} are expected");

    public static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
