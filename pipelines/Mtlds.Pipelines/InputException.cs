namespace Mtlds.Pipelines;

/// Input that cannot be used: a missing, empty or unreadable file, a file in the wrong format.
/// The message is one line that names the file and says what to do; the CLI prints it as is.
public sealed class InputException(string message, Exception? inner = null) : Exception(message, inner);

/// A setting that cannot be honoured (unknown source, bad option value). One line naming the setting.
public sealed class ConfigurationException(string message) : Exception(message);
