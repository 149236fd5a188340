namespace Mtlds.Pipelines.Ingestion;

/// Splits one CSV line into fields by RFC 4180: a field is quoted whole ("a,b", with "" for a quote inside it)
/// or not at all. The Spark loading (sql/loading/01_fields.sql) applies the same rule in SQL, so both engines
/// accept and reject the same lines.
public static class CsvLine
{
    /// Returns false for a line not in that form: a quoted field not closed on its line (a newline inside quotes
    /// is not supported: the row is rejected rather than glued to the next one), a quote inside an unquoted
    /// field, or text between a closing quote and the next comma.
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
        var at = 0;
        while (true)
        {
            if (at < line.Length && line[at] == '"')
            {
                for (at++; ; )
                {
                    if (at >= line.Length) return false;
                    if (line[at] != '"') sb.Append(line[at++]);
                    else if (at + 1 < line.Length && line[at + 1] == '"') { sb.Append('"'); at += 2; }
                    else { at++; break; }
                }
                if (at < line.Length && line[at] != ',') return false;
            }
            else
            {
                var end = line.IndexOf(',', at);
                if (end < 0) end = line.Length;
                var field = line.AsSpan(at, end - at);
                if (field.Contains('"')) return false;
                sb.Append(field);
                at = end;
            }
            fields.Add(sb.ToString());
            sb.Clear();
            if (at >= line.Length) return true;
            at++; // past the comma
        }
    }

    /// Quotes a field for writing when it needs it.
    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";
}
