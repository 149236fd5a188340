using System.Text;

namespace Mtlds.Pipelines.Ingestion;

/// rejects.csv: one line per rejected row, `file,line,reason,detail,text` (text clipped to 300 chars).
public sealed class RejectsWriter : IDisposable
{
    public const string Header = "file,line,reason,detail,text";
    private readonly StreamWriter _writer;

    public RejectsWriter(string path)
    {
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        _writer.WriteLine(Header);
    }

    public void Write(string file, long line, string code, string detail, string text)
    {
        if (text.Length > 300) text = text[..300];
        _writer.Write(CsvLine.Quote(file));
        _writer.Write(',');
        _writer.Write(line);
        _writer.Write(',');
        _writer.Write(code);
        _writer.Write(',');
        _writer.Write(CsvLine.Quote(detail));
        _writer.Write(',');
        _writer.WriteLine(CsvLine.Quote(text));
    }

    public void Dispose() => _writer.Dispose();
}
