using System.Text;
using System.Text.RegularExpressions;

namespace EtlAgent.Core.Workspace;

/// <summary>
/// Glob patterns in the style of .gitignore, read from `.etlagentignore` and from the manifest's
/// "exclude" list: `*` within a segment, `**` across segments, a trailing `/` for folders,
/// a leading `/` to anchor at the root, `!` to re-include, `#` comments.
/// </summary>
public sealed class IgnoreRules
{
    private readonly List<(Regex Pattern, bool Negated)> _rules = new();

    public static readonly IgnoreRules None = new(Array.Empty<string>());

    public IgnoreRules(IEnumerable<string> patterns)
    {
        foreach (var raw in patterns)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            bool negated = line.StartsWith('!');
            if (negated) line = line[1..];
            _rules.Add((ToRegex(line), negated));
        }
    }

    public bool IsEmpty => _rules.Count == 0;

    public bool IsIgnored(string relativePath)
    {
        bool ignored = false;
        foreach (var (pattern, negated) in _rules)
            if (pattern.IsMatch(relativePath)) ignored = !negated;
        return ignored;
    }

    private static Regex ToRegex(string glob)
    {
        bool anchored = glob.StartsWith('/') || glob.TrimEnd('/').Contains('/');
        bool folder = glob.EndsWith('/');
        glob = glob.Trim('/');
        var sb = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (c == '*')
            {
                if (i + 1 < glob.Length && glob[i + 1] == '*')
                {
                    i++;
                    if (i + 1 < glob.Length && glob[i + 1] == '/') { i++; sb.Append("(?:.*/)?"); }
                    else sb.Append(".*");
                }
                else sb.Append("[^/]*");
            }
            else if (c == '?') sb.Append("[^/]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
        // A pattern matches the path itself or anything beneath it (a folder pattern only beneath).
        sb.Append(folder ? "/.*$" : "(?:/.*)?$");
        return new Regex(sb.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
