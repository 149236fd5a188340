using Npgsql;

namespace Mtlds.Pipelines.Tests.Fixtures;

/// A real PostgreSQL database for integration tests: one fresh schema per test class, dropped afterwards.
/// The server comes from MTLDS_PG (an Npgsql connection string), by default the local one that
/// scripts/postgres-up.sh starts. No server means a failing test with the fix in its message, never a skip.
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=5432;Username=mtlds;Password=mtlds;Database=mtlds";

    /// The schema this test class owns; every connection from ConnectionString has it as search_path.
    public string Schema { get; } = "test_" + Guid.NewGuid().ToString("N")[..16];

    public string ConnectionString { get; private set; } = "";

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("MTLDS_PG") is { Length: > 0 } fromEnv ? fromEnv : DefaultConnectionString;

    public async Task InitializeAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(ServerConnectionString);
        try
        {
            await using var admin = new NpgsqlConnection(server.ConnectionString);
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE SCHEMA {Schema}", admin); // generated name, not input
            await create.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL at {Describe(server)} is not reachable ({e.Message}). "
                + "Start it with scripts/postgres-up.sh or point MTLDS_PG at a server.", e);
        }

        var scoped = new NpgsqlConnectionStringBuilder(server.ConnectionString) { SearchPath = Schema };
        ConnectionString = scoped.ConnectionString;
        DataSource = NpgsqlDataSource.Create(scoped);
    }

    public async Task DisposeAsync()
    {
        if (DataSource is not null) await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", admin);
        await drop.ExecuteNonQueryAsync();
    }

    /// host:port/database as user, never the password.
    public static string Describe(NpgsqlConnectionStringBuilder b) => $"{b.Host}:{b.Port}/{b.Database} as {b.Username}";
}
