using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Mtlds.Pipelines.Features;

/// The feature SQL: the files of sql/features in name order, `${name}` placeholders, statements split at a
/// semicolon that ends a line. The same text runs on DuckDB here and on Spark through spark-submit.sh.
public sealed partial class SqlScript
{
    public IReadOnlyList<(string Name, string Text)> Files { get; }

    private SqlScript(IReadOnlyList<(string, string)> files) => Files = files;

    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "sql", "features");

    public static SqlScript Load(string? directory = null)
    {
        var dir = directory ?? DefaultDirectory;
        if (!Directory.Exists(dir)) throw new ConfigurationException($"SQL folder '{dir}' does not exist");
        var files = Directory.GetFiles(dir, "*.sql").Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllText(f))).ToList();
        return files.Count > 0 ? new SqlScript(files) : throw new ConfigurationException($"SQL folder '{dir}' holds no .sql file");
    }

    /// SHA-256 over file names and texts: two datasets with the same hash were built by the same SQL.
    public string Hash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, text) in Files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(name + "\n"));
            sha.AppendData(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// The statements of every file with the variables substituted; an unknown placeholder is an error.
    public IEnumerable<(string File, string Sql)> Statements(IReadOnlyDictionary<string, string> variables) =>
        Templates().Select(t => (t.File, Substitute(t.File, t.Sql, variables)));

    /// The statements of every file with their `${name}` placeholders as written (split before substituting,
    /// so the n-th template is the n-th statement of Statements whatever the values).
    public IEnumerable<(string File, string Sql)> Templates()
    {
        foreach (var (name, text) in Files)
            foreach (var statement in StatementEnd().Split(text))
                if (HasCode(statement)) yield return (name, statement.Trim());
    }

    /// The statements of a text (placeholders already substituted), split as Statements splits them.
    public static IEnumerable<string> StatementsOf(string text) =>
        StatementEnd().Split(text).Where(HasCode).Select(s => s.Trim());

    /// A file's text with its `${name}` placeholders replaced; one without a value is an error naming the file
    /// (on Spark an unbound variable would silently become an empty string, so mtlds binds them all itself).
    public static string Substitute(string file, string text, IReadOnlyDictionary<string, string> variables) =>
        Placeholder().Replace(text, m => variables.TryGetValue(m.Groups[1].Value, out var v)
            ? v
            : throw new ConfigurationException($"{file}: no value for ${{{m.Groups[1].Value}}}"));

    /// Whether the text still holds a `${name}` placeholder.
    public static bool HasPlaceholder(string text) => Placeholder().IsMatch(text);

    private static bool HasCode(string statement) =>
        statement.Split('\n').Any(l => l.Trim() is { Length: > 0 } t && !t.StartsWith("--", StringComparison.Ordinal));

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@";[ \t]*\r?(?:\n|$)")]
    private static partial Regex StatementEnd();
}
