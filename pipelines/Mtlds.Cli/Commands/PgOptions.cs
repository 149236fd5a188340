using System.CommandLine;
using Mtlds.Pipelines;
using Mtlds.Pipelines.Postgres;

namespace Mtlds.Cli.Commands;

/// --pg and --schema as every PostgreSQL command takes them: --pg without a value (or left out) reads MTLDS_PG.
internal sealed class PgOptions
{
    public Option<string?> Pg { get; } = new("--pg")
    {
        Description = $"PostgreSQL (Npgsql connection string; without a value, ${PostgresTarget.EnvironmentVariable})",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public Option<string> Schema { get; } = new("--schema")
    {
        Description = "Schema holding runs, scores and metrics",
        DefaultValueFactory = _ => PostgresTarget.DefaultSchema,
    };

    public PostgresTarget Resolve(ParseResult parse) =>
        PostgresTarget.Resolve(parse.GetValue(Pg), parse.GetValue(Schema))
        ?? throw new ConfigurationException($"--pg needs a connection string, or ${PostgresTarget.EnvironmentVariable} set");
}
