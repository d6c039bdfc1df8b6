using System.Security.Cryptography;
using System.Text;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A heal's identity: a hash of the failure it answers and its edits (file, span, new text), so the
/// same suggestion on the same text gets the same id in every run and every door.
/// </summary>
public static class HealId
{
    public static string For(string test, string? testCase, RepairCandidate candidate)
    {
        var key = new StringBuilder().Append(test).Append('\n').Append(testCase ?? "").Append('\n');
        foreach (var e in candidate.Edits.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Range.StartOffset))
            key.Append(e.File).Append('@').Append(e.Range.StartOffset).Append('-').Append(e.Range.EndOffset).Append(':').Append(e.NewText).Append('\n');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString()));
        return "H" + Convert.ToHexString(hash, 0, 5).ToLowerInvariant();
    }
}
