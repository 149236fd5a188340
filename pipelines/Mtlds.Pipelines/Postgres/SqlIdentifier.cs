using System.Text.RegularExpressions;

namespace Mtlds.Pipelines.Postgres;

/// Names that end up in SQL text as identifiers (the schema, from an option). They are held to a strict
/// pattern and quoted, never escaped or concatenated raw: anything else is refused with a clear message.
public static partial class SqlIdentifier
{
    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Pattern();

    /// The identifier, double-quoted, or a ConfigurationException naming the option.
    public static string Quote(string name, string option)
    {
        if (!Pattern().IsMatch(name))
            throw new ConfigurationException(
                $"{option} '{Scoring.RunId.Printable(name)}' is not a valid name: use 1 to 63 lower-case letters, digits or '_', not starting with a digit");
        return $"\"{name}\"";
    }
}
