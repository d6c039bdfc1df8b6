using System.IO.Compression;
using System.Text;

namespace EtlAgent.Core.Memory;

/// <summary>
/// A text gzip-compressed and cut into parts no larger than a limit: how a source file goes into a
/// store whose items are bounded (DynamoDB's are 400 KB), whatever the file's size.
/// </summary>
public static class CompressedText
{
    public static IReadOnlyList<byte[]> Split(string text, int partSize)
    {
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            zip.Write(Encoding.UTF8.GetBytes(text));
        var bytes = buffer.ToArray();
        var parts = new List<byte[]>();
        for (int start = 0; start < bytes.Length; start += partSize)
            parts.Add(bytes.AsSpan(start, Math.Min(partSize, bytes.Length - start)).ToArray());
        return parts;
    }

    /// <exception cref="InvalidDataException">The parts are not one whole compressed text (one is missing or damaged).</exception>
    public static string Join(IEnumerable<byte[]> parts)
    {
        using var buffer = new MemoryStream();
        foreach (var p in parts) buffer.Write(p);
        buffer.Position = 0;
        using var zip = new GZipStream(buffer, CompressionMode.Decompress);
        using var reader = new StreamReader(zip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
