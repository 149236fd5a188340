namespace Mtlds.Pipelines.Sources;

/// The source formats by the name users pass to --source.
public static class EventSources
{
    public static readonly IReadOnlyList<IEventSource> All =
        [new TaobaoSource(), new RetailrocketSource(), new Rees46Source(), new CanonicalSource()];

    public static IEventSource Get(string name) =>
        All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ConfigurationException(
            $"--source '{name}' is not a known format; use one of {string.Join(", ", All.Select(s => s.Name))}");
}
