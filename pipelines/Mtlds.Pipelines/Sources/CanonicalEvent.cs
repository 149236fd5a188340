namespace Mtlds.Pipelines.Sources;

/// One event in the canonical shape (DESIGN §3); Ts is Unix seconds, UTC.
public readonly record struct CanonicalEvent(long UserId, long ItemId, long CategoryId, string Behavior, long Ts);
