using Mtlds.Pipelines.Generation;
using Mtlds.Pipelines.Runs;
using YamlDotNet.RepresentationModel;

namespace Mtlds.Pipelines.Experiments;

/// A grid of trainings over one feature build: the base config (features and train sections of a
/// PipelineConfig), optionally a generated log, and the values of train keys to cross (model × aggregator ×
/// tau × labels × label_shuffle × seed, or any other train key). Read from YAML:
///
///   name: MTLDS against the baselines
///   generate: { users: 2000, items: 5000, periods: 10, seed: 7 }   # when features.events is not given
///   base:
///     train: { epochs: 5 }
///   grid:
///     model: [mtlds, single-task, esmm]
///     seed: [1, 2, 3]
public sealed class ExperimentGrid
{
    public required string Name { get; init; }
    public required IReadOnlyList<string> BaseOverrides { get; init; }
    public GeneratorOptions? Generate { get; init; }
    /// Axis (a train key) → its values, in file order.
    public required IReadOnlyList<(string Key, IReadOnlyList<string> Values)> Axes { get; init; }

    public sealed record Cell(string Id, IReadOnlyDictionary<string, string> Values)
    {
        public int Seed => int.Parse(Values.GetValueOrDefault("seed", "42"), System.Globalization.CultureInfo.InvariantCulture);
        /// The cell without its seed: the row of the report's tables.
        public string Group(IEnumerable<string> keys) => string.Join(", ", keys.Where(k => k != "seed").Select(k => $"{k}={Values[k]}"));
    }

    public IReadOnlyList<Cell> Cells()
    {
        IEnumerable<IReadOnlyDictionary<string, string>> combos = [new Dictionary<string, string>()];
        foreach (var (key, values) in Axes)
            combos = combos.SelectMany(c => values.Select(v => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(c) { [key] = v })).ToList();
        return combos.Select(c => new Cell(Id(c), c)).ToList();
    }

    private static string Id(IReadOnlyDictionary<string, string> values) =>
        string.Join("_", values.Select(kv => $"{kv.Key}-{new string(kv.Value.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' ? ch : '+').ToArray())}"));

    public static ExperimentGrid Load(string path)
    {
        if (!File.Exists(path)) throw new ConfigurationException($"--grid {path}: no such file");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new ConfigurationException($"{path}:{e.Start.Line}: not valid YAML ({e.Message})");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigurationException($"{path}: a grid is a mapping with name, base, grid (and generate)");
        string name = Path.GetFileNameWithoutExtension(path);
        var overrides = new List<string>();
        GeneratorOptions? generate = null;
        var axes = new List<(string, IReadOnlyList<string>)>();
        var trainKeys = typeof(PipelineConfig.TrainSection).GetProperties()
            .Select(p => YamlDotNet.Serialization.NamingConventions.UnderscoredNamingConvention.Instance.Apply(p.Name)).ToHashSet();
        foreach (var (k, v) in root.Children)
        {
            switch (k.ToString())
            {
                case "name":
                    name = v.ToString();
                    break;
                case "base":
                    if (v is not YamlMappingNode sections) throw new ConfigurationException($"{path}:{v.Start.Line}: 'base' must be a mapping of sections");
                    foreach (var (section, body) in sections.Children)
                        if (body is YamlMappingNode keys)
                            foreach (var (key, value) in keys.Children)
                                overrides.Add($"{section}.{key}={(value is YamlSequenceNode seq ? string.Join(',', seq.Children) : value.ToString())}");
                    break;
                case "generate":
                    generate = Generation(path, v);
                    break;
                case "grid":
                    if (v is not YamlMappingNode grid) throw new ConfigurationException($"{path}:{v.Start.Line}: 'grid' must map train keys to lists of values");
                    foreach (var (key, values) in grid.Children)
                    {
                        if (!trainKeys.Contains(key.ToString()))
                            throw new ConfigurationException($"{path}:{key.Start.Line}: unknown grid key '{key}'; grid keys are train keys: {string.Join(", ", trainKeys)}");
                        var list = values is YamlSequenceNode s ? s.Children.Select(c => c is YamlSequenceNode inner ? string.Join(',', inner.Children) : c.ToString()).ToList() : [values.ToString()];
                        if (list.Count == 0) throw new ConfigurationException($"{path}:{key.Start.Line}: grid.{key} has no values");
                        axes.Add((key.ToString(), list));
                    }
                    break;
                default:
                    throw new ConfigurationException($"{path}:{k.Start.Line}: unknown key '{k}'; known: name, generate, base, grid");
            }
        }
        if (axes.Count == 0) throw new ConfigurationException($"{path}: the grid is empty");
        var result = new ExperimentGrid { Name = name, BaseOverrides = overrides, Generate = generate, Axes = axes };
        foreach (var cell in result.Cells()) result.ConfigFor(cell, "events.csv"); // every cell must be a valid config
        return result;
    }

    /// The full config of one cell: base, then the cell's values (events given when the log is generated).
    public PipelineConfig ConfigFor(Cell cell, string? generatedEvents)
    {
        var overrides = BaseOverrides.ToList();
        if (generatedEvents is not null && !overrides.Any(o => o.StartsWith("features.events=", StringComparison.Ordinal)))
            overrides.AddRange(["features.source=canonical", $"features.events={generatedEvents}"]);
        overrides.AddRange(cell.Values.Select(kv => $"train.{kv.Key}={kv.Value}"));
        return PipelineConfigFile.Load(null, overrides);
    }

    private static GeneratorOptions Generation(string path, YamlNode node)
    {
        if (node is not YamlMappingNode m) throw new ConfigurationException($"{path}:{node.Start.Line}: 'generate' must be a mapping");
        var o = new GeneratorOptions();
        foreach (var (k, v) in m.Children)
        {
            int I() => int.TryParse(v.ToString(), out var n) ? n : throw new ConfigurationException($"{path}:{v.Start.Line}: generate.{k}: '{v}' is not an integer");
            o = k.ToString() switch
            {
                "users" => o with { Users = I() },
                "items" => o with { Items = I() },
                "categories" => o with { Categories = I() },
                "periods" => o with { Periods = I() },
                "impressions" => o with { ImpressionsPerPeriod = I() },
                "seed" => o with { Seed = I() },
                "funnel_breaks" => o with { FunnelBreaks = double.TryParse(v.ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x)
                    ? x : throw new ConfigurationException($"{path}:{v.Start.Line}: generate.{k}: '{v}' is not a number") },
                _ => throw new ConfigurationException($"{path}:{k.Start.Line}: unknown key 'generate.{k}'; known: users, items, categories, periods, impressions, seed, funnel_breaks"),
            };
        }
        o.Validate();
        return o;
    }
}
