using System.Text;

namespace Mtlds.Pipelines.Generation;

/// Writes a generated log through a temporary file renamed into place: a killed generator leaves no half file
/// that a later run would take for a finished one.
internal static class GeneratedFile
{
    public static T Write<T>(string path, Func<StreamWriter, T> generate)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            T result;
            using (var w = new StreamWriter(tmp, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" })
                result = generate(w);
            File.Move(tmp, path, overwrite: true);
            return result;
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
