using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Mtlds.Pipelines.Postgres;

/// Applies sql/postgres/*.sql in name order to a schema, each file in its own transaction, and records it in
/// schema_migrations with its SHA-256: applying again is a no-op, and a file changed after it was applied is
/// refused rather than silently skipped. `{{schema}}` in the files becomes the validated, quoted schema.
/// An advisory lock keyed on the schema makes concurrent migrators (two scoring jobs) take turns.
public sealed class Migrator(PostgresTarget target, string? directory = null)
{
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "sql", "postgres");

    public sealed record Migration(string Version, string Sql, string Sha256);

    public IReadOnlyList<Migration> Migrations()
    {
        var dir = directory ?? DefaultDirectory;
        if (!Directory.Exists(dir)) throw new ConfigurationException($"migration folder '{dir}' does not exist");
        var migrations = Directory.GetFiles(dir, "*.sql").Order(StringComparer.Ordinal).Select(f =>
        {
            var text = File.ReadAllText(f);
            return new Migration(Path.GetFileNameWithoutExtension(f), text,
                Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
        }).ToList();
        return migrations.Count > 0 ? migrations : throw new ConfigurationException($"migration folder '{dir}' holds no .sql file");
    }

    /// Applies what is missing; returns the versions applied now.
    public IReadOnlyList<string> Apply(NpgsqlConnection conn)
    {
        var applied = new List<string>();
        using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext('mtlds.migrate.' || @schema))", conn))
        {
            lockCmd.Parameters.AddWithValue("schema", target.Schema);
            lockCmd.ExecuteNonQuery();
        }
        try
        {
            var done = Recorded(conn);
            foreach (var m in Migrations())
            {
                if (done.TryGetValue(m.Version, out var sha))
                {
                    if (sha != m.Sha256)
                        throw new ConfigurationException(
                            $"migration {m.Version} changed after it was applied to schema {target.Schema}; add a new migration instead of editing an applied one");
                    continue;
                }
                using var tx = conn.BeginTransaction();
                // No timeout: a migration may move or recompute every published row (0003, 0004).
                using (var run = new NpgsqlCommand(m.Sql.Replace("{{schema}}", target.QuotedSchema, StringComparison.Ordinal), conn, tx) { CommandTimeout = 0 })
                    run.ExecuteNonQuery();
                using (var record = new NpgsqlCommand(
                    $"INSERT INTO {target.QuotedSchema}.schema_migrations (version, sha256) VALUES (@v, @s)", conn, tx))
                {
                    record.Parameters.AddWithValue("v", m.Version);
                    record.Parameters.AddWithValue("s", m.Sha256);
                    record.ExecuteNonQuery();
                }
                tx.Commit();
                applied.Add(m.Version);
            }
        }
        finally
        {
            using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext('mtlds.migrate.' || @schema))", conn);
            unlock.Parameters.AddWithValue("schema", target.Schema);
            if (conn.State == System.Data.ConnectionState.Open) unlock.ExecuteNonQuery();
        }
        return applied;
    }

    private Dictionary<string, string> Recorded(NpgsqlConnection conn)
    {
        using var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", conn);
        exists.Parameters.AddWithValue("t", $"{target.QuotedSchema}.schema_migrations");
        if (!(bool)exists.ExecuteScalar()!) return [];
        using var cmd = new NpgsqlCommand($"SELECT version, sha256 FROM {target.QuotedSchema}.schema_migrations", conn);
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<string, string>();
        while (r.Read()) result[r.GetString(0)] = r.GetString(1);
        return result;
    }
}
