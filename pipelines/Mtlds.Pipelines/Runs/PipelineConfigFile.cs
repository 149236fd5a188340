using System.Globalization;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Mtlds.Pipelines.Runs;

/// Reads a PipelineConfig from YAML with `section.key=value` overrides on top, and writes it back. Unknown
/// sections and keys, and values of the wrong type, fail with a message naming the file, line and key.
public static class PipelineConfigFile
{
    private static readonly INamingConvention Naming = UnderscoredNamingConvention.Instance;

    public static PipelineConfig Load(string? path, IEnumerable<string> overrides, bool requireInputs = true)
    {
        var root = new YamlMappingNode();
        var source = "defaults";
        if (path is not null)
        {
            if (!File.Exists(path)) throw new ConfigurationException($"--config {path}: no such file");
            source = path;
            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(path);
                stream.Load(reader);
            }
            catch (YamlException e)
            {
                throw new ConfigurationException($"{path}:{e.Start.Line}: not valid YAML ({e.Message})");
            }
            if (stream.Documents.Count > 0)
                root = stream.Documents[0].RootNode as YamlMappingNode ?? throw new ConfigurationException($"{path}: the config must be a mapping of sections");
        }
        foreach (var o in overrides) Apply(root, o);
        CheckKeys(root, source);

        var text = Serialize(root);
        try
        {
            var config = new DeserializerBuilder().WithNamingConvention(Naming).Build().Deserialize<PipelineConfig?>(text) ?? new PipelineConfig();
            config.Validate(requireInputs);
            return config;
        }
        catch (YamlException e)
        {
            var key = KeyAt(root, e.Start);
            var reason = e.InnerException?.Message ?? e.Message;
            throw new ConfigurationException($"{source}: {key}: bad value ({reason})");
        }
    }

    /// The resolved config as YAML, every key present.
    public static string Write(PipelineConfig config) =>
        new SerializerBuilder().WithNamingConvention(Naming).WithIndentedSequences().Build().Serialize(config);

    /// `train.epochs=3`; a list key (train.labels, train.bottom) takes comma-separated values.
    private static void Apply(YamlMappingNode root, string assignment)
    {
        var eq = assignment.IndexOf('=');
        var dot = assignment.IndexOf('.');
        if (eq < 0 || dot < 0 || dot > eq) throw new ConfigurationException($"--set '{assignment}': expected section.key=value, e.g. train.epochs=3");
        var (section, key, value) = (assignment[..dot], assignment[(dot + 1)..eq], assignment[(eq + 1)..]);
        var property = Property(SectionType(section, "--set"), key, section, "--set");
        if (!root.Children.TryGetValue(new YamlScalarNode(section), out var node)) root.Children[new YamlScalarNode(section)] = node = new YamlMappingNode();
        if (node is not YamlMappingNode mapping) throw new ConfigurationException($"--set: '{section}' is not a section");
        mapping.Children[new YamlScalarNode(key)] = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>)
            ? new YamlSequenceNode(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => new YamlScalarNode(v)))
            : new YamlScalarNode(value);
    }

    private static void CheckKeys(YamlMappingNode root, string source)
    {
        foreach (var (sectionNode, body) in root.Children)
        {
            var section = sectionNode.ToString();
            var type = SectionType(section, $"{source}:{sectionNode.Start.Line}");
            if (body is YamlScalarNode { Value: null or "" }) continue;
            if (body is not YamlMappingNode keys) throw new ConfigurationException($"{source}:{sectionNode.Start.Line}: '{section}' must be a mapping");
            foreach (var (keyNode, _) in keys.Children)
                Property(type, keyNode.ToString(), section, $"{source}:{keyNode.Start.Line}");
        }
    }

    private static Type SectionType(string section, string where) =>
        typeof(PipelineConfig).GetProperties().FirstOrDefault(p => Naming.Apply(p.Name) == section)?.PropertyType
        ?? throw new ConfigurationException($"{where}: unknown section '{section}'; known: features, train, score");

    private static PropertyInfo Property(Type section, string key, string sectionName, string where) =>
        section.GetProperties().FirstOrDefault(p => Naming.Apply(p.Name) == key)
        ?? throw new ConfigurationException(
            $"{where}: unknown key '{sectionName}.{key}'; known: {string.Join(", ", section.GetProperties().Select(p => Naming.Apply(p.Name)))}");

    private static string Serialize(YamlMappingNode root)
    {
        var stream = new YamlStream(new YamlDocument(root));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// The section.key whose value sits on a line of the serialized text (for type errors).
    private static string KeyAt(YamlMappingNode root, Mark line)
    {
        var text = Serialize(root).Split('\n');
        string? section = null;
        for (var i = 0; i < Math.Min(line.Line, text.Length); i++)
        {
            var l = text[i];
            if (l.Length > 0 && !char.IsWhiteSpace(l[0]) && l.Contains(':')) section = l[..l.IndexOf(':')];
        }
        var at = line.Line - 1 < text.Length && line.Line >= 1 ? text[line.Line - 1].Trim() : "";
        var key = at.Contains(':') ? at[..at.IndexOf(':')].TrimStart('-', ' ') : at;
        return section is null ? key : $"{section}.{key}";
    }
}
