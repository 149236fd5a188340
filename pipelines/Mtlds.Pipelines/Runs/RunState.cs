using System.Text.Json;

namespace Mtlds.Pipelines.Runs;

/// What `mtlds run` finished in an output folder: per step, the fingerprint of the inputs and config it ran
/// with. A step whose fingerprint is unchanged and whose outputs exist is skipped. Written atomically.
public sealed class RunState
{
    public const string FileName = "run-state.json";

    public Dictionary<string, string> Done { get; init; } = [];

    public static RunState Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return new RunState();
        try
        {
            return JsonSerializer.Deserialize<RunState>(File.ReadAllText(path)) ?? new RunState();
        }
        catch (JsonException)
        {
            return new RunState(); // unreadable: every step runs again, which is always correct
        }
    }

    public bool IsDone(string step, string fingerprint) => Done.GetValueOrDefault(step) == fingerprint;

    public void Mark(string dir, string step, string fingerprint)
    {
        Done[step] = fingerprint;
        var tmp = Path.Combine(dir, $".{FileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, Path.Combine(dir, FileName), overwrite: true);
    }
}
