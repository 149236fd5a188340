using System.Buffers.Binary;

namespace Mtlds.Pipelines.Ingestion;

/// .NET's GZipStream ends quietly at the end of a truncated file, so a cut download would lose rows without a
/// word. This wrapper counts the decompressed bytes; at the end they must equal the size the gzip trailer
/// records (ISIZE, modulo 2^32). A file of several concatenated gzip members records only its last member's
/// size there and is refused too: recompress it as one member.
internal sealed class GzipTrailerCheck(Stream decompressed) : Stream
{
    public long Count { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = decompressed.Read(buffer);
        Count += n;
        return n;
    }

    /// Throws when the bytes read so far disagree with the file's trailer.
    public void Verify(string file)
    {
        Span<byte> trailer = stackalloc byte[4];
        using (var f = File.OpenRead(file))
        {
            if (f.Length < 18) throw Corrupt(file, "shorter than a gzip header and trailer");
            f.Seek(-4, SeekOrigin.End);
            f.ReadExactly(trailer);
        }
        var recorded = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (recorded != (uint)Count)
            throw Corrupt(file, $"{Count} bytes decompressed, the trailer records {recorded}; a multi-member gzip must be recompressed as one");
    }

    private static InputException Corrupt(string file, string why) =>
        new($"{file}: the gzip stream is corrupt or truncated ({why})");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) decompressed.Dispose();
        base.Dispose(disposing);
    }
}
