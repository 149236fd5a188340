namespace Mtlds.Pipelines.Ingestion;

/// Splits one CSV line into fields (RFC 4180 quoting: "a,b" is one field, "" inside quotes is a quote).
public static class CsvLine
{
    /// Returns false when a quoted field is not closed on this line (a newline inside quotes: not supported,
    /// the row is rejected rather than glued to the next one).
    public static bool TrySplit(string line, List<string> fields)
    {
        fields.Clear();
        if (line.IndexOf('"') < 0)
        {
            var start = 0;
            for (int i; (i = line.IndexOf(',', start)) >= 0; start = i + 1) fields.Add(line[start..i]);
            fields.Add(line[start..]);
            return true;
        }

        var sb = new System.Text.StringBuilder();
        var inQuotes = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (inQuotes)
            {
                if (c != '"') sb.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else inQuotes = false;
            }
            else if (c == '"') inQuotes = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return !inQuotes;
    }

    /// Quotes a field for writing when it needs it.
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
