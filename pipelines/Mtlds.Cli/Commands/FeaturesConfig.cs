using System.Globalization;
using Mtlds.Pipelines;
using YamlDotNet.RepresentationModel;

namespace Mtlds.Cli.Commands;

/// Reads the `features:` section of a YAML config file into option values. Unknown keys are errors.
internal static class FeaturesConfig
{
    private static readonly HashSet<string> Keys =
        ["source", "events", "out", "period", "negatives", "seed", "format", "from", "to", "timezone", "valid_periods", "test_periods"];

    public static Dictionary<string, string> Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationException($"--config {path}: no such file");
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigurationException($"{path}:{e.Start.Line}: not valid YAML ({e.Message})");
        }
        var values = new Dictionary<string, string>();
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root) return values;
        foreach (var (key, node) in root.Children)
        {
            var name = key.ToString();
            if (name != "features") continue; // other steps' sections belong to other commands
            if (node is not YamlMappingNode section) throw new ConfigurationException($"{path}: 'features' must be a mapping");
            foreach (var (k, v) in section.Children)
            {
                var setting = k.ToString();
                if (!Keys.Contains(setting))
                    throw new ConfigurationException($"{path}:{k.Start.Line}: unknown key 'features.{setting}'; known: {string.Join(", ", Keys)}");
                values[setting] = v.ToString();
            }
        }
        return values;
    }

    public static int ParseInt(string value, string key) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ConfigurationException($"features.{key}: '{value}' is not an integer");
}
