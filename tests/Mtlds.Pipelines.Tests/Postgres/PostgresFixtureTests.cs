using Mtlds.Pipelines.Tests.Fixtures;
using Npgsql;
using NpgsqlTypes;

namespace Mtlds.Pipelines.Tests.Postgres;

[Trait("Category", "Postgres")]
public sealed class PostgresFixtureTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Rows_written_by_binary_COPY_read_back_unchanged_in_the_class_schema()
    {
        await using var conn = await pg.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE round_trip (user_id bigint, item_id bigint, score double precision, stage smallint)", conn))
            await create.ExecuteNonQueryAsync();

        var rows = Enumerable.Range(0, 1000)
            .Select(i => (User: 1_000_000_000L + i, Item: (long)i * 7919, Score: Math.Sin(i), Stage: (short)(i % 4)))
            .ToArray();
        await using (var writer = await conn.BeginBinaryImportAsync(
            "COPY round_trip (user_id, item_id, score, stage) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var r in rows)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(r.User, NpgsqlDbType.Bigint);
                await writer.WriteAsync(r.Item, NpgsqlDbType.Bigint);
                await writer.WriteAsync(r.Score, NpgsqlDbType.Double);
                await writer.WriteAsync(r.Stage, NpgsqlDbType.Smallint);
            }
            Assert.Equal((ulong)rows.Length, await writer.CompleteAsync());
        }

        await using var select = new NpgsqlCommand(
            "SELECT user_id, item_id, score, stage, current_schema() FROM round_trip ORDER BY user_id", conn);
        await using var reader = await select.ExecuteReaderAsync();
        var i = 0;
        while (await reader.ReadAsync())
        {
            Assert.Equal(rows[i].User, reader.GetInt64(0));
            Assert.Equal(rows[i].Item, reader.GetInt64(1));
            Assert.Equal(rows[i].Score, reader.GetDouble(2)); // binary COPY carries doubles bit for bit
            Assert.Equal(rows[i].Stage, reader.GetInt16(3));
            Assert.Equal(pg.Schema, reader.GetString(4));
            i++;
        }
        Assert.Equal(rows.Length, i);
    }

    [Fact]
    public async Task A_fixture_drops_its_schema_when_disposed()
    {
        var fixture = new PostgresFixture();
        await fixture.InitializeAsync();
        var schema = fixture.Schema;
        Assert.True(await SchemaExists(schema));

        await fixture.DisposeAsync();

        Assert.False(await SchemaExists(schema));
    }

    private static async Task<bool> SchemaExists(string schema)
    {
        await using var conn = new NpgsqlConnection(PostgresFixture.ServerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM pg_namespace WHERE nspname = @s", conn);
        cmd.Parameters.AddWithValue("s", schema);
        return (long)(await cmd.ExecuteScalarAsync())! == 1;
    }
}
