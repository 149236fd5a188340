namespace Mtlds.Pipelines.Postgres;

/// The server could not be reached or dropped the connection. One line, naming the server but never the
/// password, and saying what to do.
public sealed class PostgresUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
