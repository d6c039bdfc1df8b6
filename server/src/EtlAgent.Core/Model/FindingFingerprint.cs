using System.Security.Cryptography;
using System.Text;

namespace EtlAgent.Core.Model;

/// <summary>
/// The stable identity of a finding: a hash of its rule, file and <see cref="Finding.Anchor"/>, so
/// it survives edits elsewhere in the file (lines move) and a reworded message. Findings with the
/// same rule, file and anchor are told apart by their order in the file. SARIF's
/// partialFingerprints, dismissals and the run history all use this one function.
/// </summary>
public static class FindingFingerprint
{
    /// <summary>Fingerprints of <paramref name="findings"/>, in the same order.</summary>
    public static IReadOnlyList<string> Of(IReadOnlyList<Finding> findings)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new string[findings.Count];
        // occurrences are counted in file order, whatever order the caller passes
        foreach (var i in Enumerable.Range(0, findings.Count).OrderBy(i => findings[i].Location.File, StringComparer.Ordinal)
                     .ThenBy(i => findings[i].Location.Range.Start).ThenBy(i => i))
        {
            var key = Key(findings[i]);
            int n = seen.GetValueOrDefault(key);
            seen[key] = n + 1;
            result[i] = Hash(n == 0 ? key : $"{key}#{n}");
        }
        return result;
    }

    /// <summary>The fingerprint of a finding that is the only one of its kind and anchor in its file.</summary>
    public static string Of(Finding finding) => Hash(Key(finding));

    /// <summary>Code with runs of whitespace collapsed to one space, the form anchors take.</summary>
    public static string Normalize(string code)
    {
        var sb = new StringBuilder(code.Length);
        bool space = false;
        foreach (var ch in code)
        {
            if (char.IsWhiteSpace(ch)) { space = sb.Length > 0; continue; }
            if (space) { sb.Append(' '); space = false; }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    private static string Key(Finding f) => $"{f.RuleId}|{f.Location.File}|{f.Anchor ?? f.Message}";

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 16).ToLowerInvariant();
}
