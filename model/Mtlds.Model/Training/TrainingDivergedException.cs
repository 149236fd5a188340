namespace Mtlds.Model.Training;

/// The loss became NaN or infinite; the message names the epoch and step and suggests the usual fixes.
public sealed class TrainingDivergedException(string message, Exception? inner = null) : Exception(message, inner);
