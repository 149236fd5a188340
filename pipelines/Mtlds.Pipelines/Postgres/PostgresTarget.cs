using Npgsql;

namespace Mtlds.Pipelines.Postgres;

/// Where scores go in PostgreSQL: a server (an Npgsql connection string, from --pg or MTLDS_PG) and the
/// schema that holds the runs, scores and metrics tables. Its text form never shows the password.
public sealed class PostgresTarget
{
    public const string EnvironmentVariable = "MTLDS_PG";
    public const string DefaultSchema = "mtlds";

    public string ConnectionString { get; }
    public string Schema { get; }
    /// The schema as it appears in SQL text: validated and quoted.
    public string QuotedSchema { get; }

    public PostgresTarget(string connectionString, string schema = DefaultSchema)
    {
        QuotedSchema = SqlIdentifier.Quote(schema, "--schema");
        Schema = schema;
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            // Tag connections so that operators (and the fault tests) can find them in pg_stat_activity.
            b.ApplicationName ??= "mtlds";
            ConnectionString = b.ConnectionString;
        }
        catch (ArgumentException e)
        {
            // The message of a bad connection string can quote it, password and all: say only what is wrong.
            throw new ConfigurationException($"--pg: not a valid connection string ({e.GetType().Name}); expected Host=…;Username=…;Database=…");
        }
    }

    /// From the option, else MTLDS_PG; null when neither is set.
    public static PostgresTarget? Resolve(string? option, string? schema = null)
    {
        var conn = option is { Length: > 0 } ? option : Environment.GetEnvironmentVariable(EnvironmentVariable);
        return conn is { Length: > 0 } ? new PostgresTarget(conn, schema ?? DefaultSchema) : null;
    }

    /// host:port/database as user, schema s — never the password.
    public override string ToString()
    {
        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"{b.Host}:{b.Port}/{b.Database} as {b.Username}, schema {Schema}";
    }

    /// The connection string with its password replaced, for logs and messages.
    public static string Redact(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            if (b.Password is not null) b.Password = "***";
            return b.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unparseable connection string)";
        }
    }

    /// An open connection, retried on transient errors (TransientRetry).
    public NpgsqlConnection Open() => TransientRetry.Run(this, "connecting", OpenOnce);

    /// One attempt: a refusal that is not transient (a wrong password) fails at once with the reason.
    internal NpgsqlConnection OpenOnce()
    {
        var conn = new NpgsqlConnection(ConnectionString);
        try
        {
            conn.Open();
            return conn;
        }
        catch (Exception e) when (e is NpgsqlException { IsTransient: false })
        {
            conn.Dispose();
            throw new PostgresUnavailableException(
                $"could not connect to PostgreSQL at {this} ({e.Message}); check what --pg or MTLDS_PG says", e);
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }
}
