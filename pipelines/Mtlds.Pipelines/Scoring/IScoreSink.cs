using Mtlds.Model.Training;

namespace Mtlds.Pipelines.Scoring;

/// Where score rows go: a file or PostgreSQL. Rows become visible only at Complete; a sink disposed without
/// Complete leaves nothing behind under its final name.
public interface IScoreSink : IDisposable
{
    void Write(string runId, string split, ScoredBatch batch);

    /// Publishes what was written; returns the rows published.
    long Complete();

    /// Gives up: nothing is published, and a sink that registers runs marks this one failed.
    void Fail(string reason);
}
