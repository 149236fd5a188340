using Npgsql;
using Polly;
using Polly.Retry;

namespace Mtlds.Pipelines.Postgres;

/// Bounded retries with exponential backoff for transient PostgreSQL errors only (a refused or dropped
/// connection, a server starting up, a lock or resource that is busy: NpgsqlException.IsTransient). Anything
/// else — a wrong password, a bad statement — fails at once. Used for work that can be repeated from the
/// start: opening, migrating and registering a run. A COPY that was cut off is not retried here; the run
/// fails cleanly and a rerun repeats it.
public static class TransientRetry
{
    public const int MaxRetries = 3;

    private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient).Handle<TimeoutException>(),
            MaxRetryAttempts = MaxRetries,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    /// Runs `action`, again on transient failures; the last failure names the attempts made.
    public static T Run<T>(PostgresTarget target, string what, Func<T> action)
    {
        var attempts = 0;
        try
        {
            return Pipeline.Execute(() =>
            {
                attempts++;
                return action();
            });
        }
        catch (Exception e) when (e is NpgsqlException { IsTransient: true } or TimeoutException)
        {
            throw new PostgresUnavailableException(
                $"{what}: PostgreSQL at {target} failed {attempts} time(s) in a row ({e.Message}); check that it runs (scripts/postgres-up.sh) and what --pg or MTLDS_PG says", e);
        }
    }
}
