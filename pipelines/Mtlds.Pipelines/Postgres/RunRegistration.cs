namespace Mtlds.Pipelines.Postgres;

/// What the runs table records of a scoring run: the model kind, its resolved config (jsonb), a hash of the
/// data manifest it scored, and the trainer's metrics.json (jsonb) for comparison with the SQL views.
public sealed record RunRegistration(string RunId, string Model, string ConfigJson, string DataManifestHash, string? MetricsJson);
