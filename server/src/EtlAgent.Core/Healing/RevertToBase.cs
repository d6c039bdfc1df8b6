namespace EtlAgent.Core.Healing;

/// <summary>
/// The "revert to last green" heal: where the last version the tests passed on (the base) is
/// known, the runs of lines that changed since then inside a suspect statement are put back as they
/// were. The fault is often exactly such a change; the verifier still decides, since a change since
/// the base may also be intended (then reverting it breaks another case and is not offered).
/// </summary>
public static class RevertToBase
{
    /// <param name="baseText">The transformation file's text in the last green version (null: none known).</param>
    /// <param name="suspects">The statements to revert, best first: one candidate per statement the changes touch.</param>
    /// <param name="bugClass">The class the failure was analysed as (the heal answers that fault).</param>
    public static IReadOnlyList<RepairCandidate> For(Lineage.TransformationAnalysis t, string? baseText, IReadOnlyList<SuspectStatement> suspects, string bugClass)
    {
        var text = t.Document.Text;
        var file = t.Transformation.File;
        if (baseText is null || baseText == text) return Array.Empty<RepairCandidate>();
        var hunks = LineDiffEdits.Between(file, text, baseText).SelectMany(h => LineByLine(file, text, h)).ToList();
        var lines = new Syntax.LineIndex(text);
        var result = new List<RepairCandidate>();
        foreach (var s in suspects.Where(s => s.File == file))
        {
            // a changed run overlaps the statement, or an insertion lands inside it
            var mine = hunks.Where(h => h.Range.StartOffset < s.EndOffset && (h.Range.EndOffset > s.StartOffset || (h.Range.Length == 0 && h.Range.StartOffset >= s.StartOffset))).ToList();
            if (mine.Count == 0 || result.Any(r => r.Edits.SequenceEqual(mine))) continue;
            int line = lines.PositionOf(s.StartOffset).Line + 1;
            result.Add(new RepairCandidate(HealKinds.Code, bugClass, $"restore the statement at line {line} as it was in the last green version", mine, "revert"));
        }
        return result;
    }

    /// <summary>
    /// A run of changed lines that replaces as many lines as it removes, split into one edit per
    /// changed line: two neighbouring statements changed on neighbouring lines are reverted apart.
    /// </summary>
    private static IEnumerable<Model.TextEdit> LineByLine(string file, string text, Model.TextEdit hunk)
    {
        var before = Lines(text.Substring(hunk.Range.StartOffset, hunk.Range.Length));
        var after = Lines(hunk.NewText);
        if (before.Count != after.Count || before.Count < 2) { yield return hunk; yield break; }
        int at = hunk.Range.StartOffset;
        for (int i = 0; i < before.Count; i++)
        {
            if (before[i] != after[i]) yield return SpanEdits.Replace(file, text, at, at + before[i].Length, after[i]);
            at += before[i].Length;
        }
    }

    private static List<string> Lines(string text)
    {
        var lines = new List<string>();
        for (int at = 0; at < text.Length;)
        {
            int end = text.IndexOf('\n', at);
            end = end < 0 ? text.Length : end + 1;
            lines.Add(text[at..end]);
            at = end;
        }
        return lines;
    }
}
