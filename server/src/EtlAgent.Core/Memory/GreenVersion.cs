using System.Security.Cryptography;
using System.Text;

namespace EtlAgent.Core.Memory;

/// <summary>
/// The last green version of one transformation: the text of its file when every one of its test
/// cases passed in a run, with the file's path, the text's content hash, and that run's id and
/// time. The memory keeps one per transformation (the latest) and writes it only when the hash
/// changed, so an unchanged procedure costs nothing per run; root-cause analysis compares a failing
/// version against it when no git base is given.
/// </summary>
/// <param name="RunId">The run that first saw this text green (an unchanged text green again later keeps it).</param>
public sealed record GreenVersion(string Transformation, string File, string Hash, string RunId, DateTimeOffset Time, string Text)
{
    public static GreenVersion Of(string transformation, string file, string text, string runId, DateTimeOffset time) =>
        new(transformation, file, HashOf(text), runId, time, text);

    /// <summary>The content hash that names a text (SHA-256, hex): equal texts, equal hashes.</summary>
    public static string HashOf(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
