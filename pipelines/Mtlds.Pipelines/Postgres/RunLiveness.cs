using Npgsql;

namespace Mtlds.Pipelines.Postgres;

/// Tells a run that is still being scored from one whose scorer is gone. The scorer holds a shared advisory
/// lock keyed on schema and run id for as long as its session lives, taken before it registers the run;
/// PostgreSQL releases the lock when the session ends, however it ends (a SIGKILLed scorer's socket closes
/// and its backend exits). So a run marked 'running' without that lock was interrupted. No heartbeat to
/// tune, and it holds across hosts.
public static class RunLiveness
{
    /// The first key of the two-key advisory lock: "mtld", so as not to meet other applications' locks.
    private const int KeySpace = 0x6D746C64;

    public const string InterruptedError =
        "interrupted: its scoring process ended before publishing (killed, or its connection was lost); score it again";

    /// Takes the run's lock on the scorer's connection (shared: a second scorer of the same run id may hold it
    /// too; the scorers' transactions take turns on the run's row).
    public static void Hold(NpgsqlConnection conn, PostgresTarget target, string runId)
    {
        using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock_shared(@space, hashtext(@key))", conn);
        cmd.Parameters.AddWithValue("space", KeySpace);
        cmd.Parameters.AddWithValue("key", $"{target.Schema}/{runId}");
        cmd.ExecuteNonQuery();
    }

    /// Marks failed every 'running' run whose scorer no longer holds its lock; returns how many.
    public static int MarkInterrupted(NpgsqlConnection conn, PostgresTarget target)
    {
        using var cmd = new NpgsqlCommand($"""
            UPDATE {target.QuotedSchema}.runs r
            SET status = 'failed', finished_at = now(), error = @error
            WHERE r.status = 'running'
              AND NOT EXISTS (
                  SELECT FROM pg_locks l
                  WHERE l.locktype = 'advisory' AND l.objsubid = 2
                    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.classid = @space::oid AND l.objid = hashtext(@schema || '/' || r.run_id)::oid)
            """, conn);
        cmd.Parameters.AddWithValue("error", InterruptedError);
        cmd.Parameters.AddWithValue("space", KeySpace);
        cmd.Parameters.AddWithValue("schema", target.Schema);
        return cmd.ExecuteNonQuery();
    }
}
