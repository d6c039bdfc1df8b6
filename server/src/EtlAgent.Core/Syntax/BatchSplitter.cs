using System.Text.RegularExpressions;

namespace EtlAgent.Core.Syntax;

/// <summary>
/// Splits a script at its GO lines, as sqlcmd and SSMS do, so that each batch can be parsed on its
/// own: a syntax error then costs only the batch it is in. GO inside a block comment or a string
/// spanning lines is not recognised as such (nor is it by the tools when it stands alone on a line).
/// </summary>
public static partial class BatchSplitter
{
    /// <summary>The batches' [start, end) offsets, GO lines excluded.</summary>
    public static IReadOnlyList<(int Start, int End)> Split(string text)
    {
        var batches = new List<(int, int)>();
        int start = 0;
        foreach (Match m in GoLine().Matches(text))
        {
            batches.Add((start, m.Index));
            start = m.Index + m.Length;
        }
        batches.Add((start, text.Length));
        return batches;
    }

    [GeneratedRegex(@"^[ \t]*GO(?:[ \t]+\d+)?[ \t]*(?:--[^\r\n]*)?(?=\r?$)", RegexOptions.IgnoreCase | RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex GoLine();
}
