namespace Mtlds.Pipelines.Ingestion;

/// Resolves --events (one file, a folder, or a glob such as logs/2017-*.csv.gz) to the files to read, in a
/// stable order. Folders are read recursively; names starting with '.' or '_' (_SUCCESS, .crc) are skipped.
public static class InputFiles
{
    public static IReadOnlyList<string> Resolve(string path)
    {
        if (File.Exists(path)) return [Path.GetFullPath(path)];
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !IsHidden(Path.GetRelativePath(path, f)))
                .Select(Path.GetFullPath)
                .Order(StringComparer.Ordinal)
                .ToList();
            return files.Count > 0 ? files : throw new InputException($"{path}: the folder holds no files to read");
        }
        if (path.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            var dir = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            if (dir.AsSpan().IndexOfAny('*', '?') >= 0)
                throw new InputException($"{path}: wildcards are allowed in the file name only, not in folders");
            if (!Directory.Exists(dir)) throw new InputException($"{path}: folder '{dir}' does not exist");
            var files = Directory.EnumerateFiles(dir, Path.GetFileName(path))
                .Where(f => !IsHidden(Path.GetFileName(f)))
                .Select(Path.GetFullPath)
                .Order(StringComparer.Ordinal)
                .ToList();
            return files.Count > 0 ? files : throw new InputException($"{path}: no file matches");
        }
        throw new InputException($"{path}: no such file or folder");
    }

    private static bool IsHidden(string relative) =>
        relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.') || part.StartsWith('_'));
}
