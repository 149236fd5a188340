using System.Security.Cryptography;
using System.Text;

namespace Mtlds.Pipelines.Runs;

/// The SHA-256 of a step's inputs and config, as RunState records it: equal fingerprints, same work.
public static class Fingerprint
{
    public static string Of(params string[] parts) => Of(Encoding.UTF8.GetBytes(string.Join("\n\u0000", parts)));

    public static string Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
