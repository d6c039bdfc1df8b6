namespace EtlAgent.Core.Mutation;

/// <summary>
/// Which inputs to try first on a mutant, from their descriptions (a generated case's name says
/// what it varies): `generate` orders its candidates by it, `mutate` its cases, so a mutant that
/// some input kills is usually killed by one of the first few tried.
/// </summary>
public static class KillLikelihood
{
    /// <summary>
    /// How likely a candidate is to tell a mutant apart: it varies a column named on the mutated line
    /// or a table the line reads, and the variation suits the operator (a boundary for a relational
    /// operator, NULL for IS NULL/ISNULL, a missing row for a join).
    /// </summary>
    public static Func<string, int> For(string text, Mutant m)
    {
        int lineStart = text.LastIndexOf('\n', Math.Max(0, m.Start - 1)) + 1;
        int lineEnd = text.IndexOf('\n', m.Start + m.Length);
        var line = text[lineStart..(lineEnd < 0 ? text.Length : lineEnd)];
        // the names on the line and in the mutated text, bracketed or not (ISNULL(SOURCE.PAYE_SCHEME_REFERENCE, 'n/a'))
        var onLine = Names(line + " " + m.Original);
        var inOriginal = Names(m.Original);
        // parameters compared on the line ([Status] = @status): an input whose last change is one of them ("…, @status NULL")
        var parameters = System.Text.RegularExpressions.Regex.Matches(line + " " + m.Original, @"(?<!@)@[A-Za-z_][A-Za-z0-9_]*").Select(x => x.Value)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        bool relational = m.Operator.StartsWith("relational", StringComparison.Ordinal);
        bool nulls = m.Operator.Contains("NULL", StringComparison.Ordinal) || m.Operator.Contains("fallback", StringComparison.Ordinal);
        bool order = m.Operator.StartsWith("ORDER BY", StringComparison.Ordinal) || m.Operator.StartsWith("aggregate", StringComparison.Ordinal) || m.Operator.Contains("DISTINCT", StringComparison.Ordinal);
        bool keys = m.Operator.StartsWith("join key", StringComparison.Ordinal);
        // a condition that decides whether a row is touched (change detection: WHEN MATCHED AND a <> b OR …)
        bool condition = relational || m.Operator.StartsWith("predicate", StringComparison.Ordinal) || m.Operator is "AND → OR" or "OR → AND" || m.Operator.StartsWith("WHERE", StringComparison.Ordinal);
        bool join = m.Operator.Contains("JOIN", StringComparison.Ordinal);
        var tables = TablesOnLine(text, line);
        // a line about the transaction (IF @@TRANCOUNT = 0 BEGIN TRAN, … COMMIT): the caller's transaction takes its other way
        bool transaction = System.Text.RegularExpressions.Regex.IsMatch(line + " " + m.Original, @"@@trancount|xact_state|\b(begin|commit|rollback|save)\s+tran",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return description =>
        {
            int score = 0;
            var (varied, mark) = Parts(description);
            // the column the input changes counts fully; one it is only set relative to, a quarter
            foreach (var c in DescribedColumns(varied))
                score += inOriginal.Contains(c) ? 8 : onLine.Contains(c) ? 4 : 0;
            foreach (var c in DescribedColumns(mark))
                score += (inOriginal.Contains(c) ? 8 : onLine.Contains(c) ? 4 : 0) / 4;
            int lastChange = description.LastIndexOf(", ", StringComparison.Ordinal);
            var last = lastChange < 0 ? description : description[(lastChange + 2)..];
            foreach (var p in parameters)
                if (last.StartsWith(p + " ", StringComparison.OrdinalIgnoreCase)) score += m.Original.Contains(p, StringComparison.OrdinalIgnoreCase) ? 8 : 4;
            if (relational && (description.Contains("equal to", StringComparison.Ordinal) || description.Contains("just", StringComparison.Ordinal))) score += 2;
            if (nulls && (description.Contains("NULL", StringComparison.Ordinal) || description.Contains("not a", StringComparison.Ordinal) || description.Contains("empty", StringComparison.Ordinal))) score += 2;
            if (order && (description.Contains("older", StringComparison.Ordinal) || description.Contains("twice", StringComparison.Ordinal) || description.Contains("two ", StringComparison.Ordinal))) score += 5;
            if (keys && (description.Contains("empty", StringComparison.Ordinal) || description.Contains("maximum length", StringComparison.Ordinal))) score += 2;
            // a change to a table the line reads through an alias (ISNULL(dci.[City Key], 0) and
            // the Dim.City row missing; LEFT JOIN Dim.City AS dci → INNER and no city to match)
            foreach (var table in tables)
                if (varied.Contains(table + " [", StringComparison.OrdinalIgnoreCase)) score += nulls || join ? 6 : 3;
            if (join && description.StartsWith("an entity only in", StringComparison.Ordinal)) score += 2;
            // a load run again on its own output, as is or with one source column changed: what change detection is about
            if (condition && description.Contains(", loaded again", StringComparison.Ordinal)) score += 1;
            if (transaction && description.EndsWith(", called inside a transaction", StringComparison.Ordinal)) score += 6;
            return score;
        };
    }

    private static readonly System.Text.RegularExpressions.Regex Bracketed = new(@"\[([^\]]+)\]", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    private static readonly System.Text.RegularExpressions.Regex Word = new(@"[\p{L}_#@][\p{L}\p{Nd}_#@$]*", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The names in code: bracketed ([City Key]) and plain words (s.City), without brackets, any case.</summary>
    private static HashSet<string> Names(string code)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match x in Bracketed.Matches(code)) names.Add(x.Groups[1].Value);
        foreach (System.Text.RegularExpressions.Match x in Word.Matches(Bracketed.Replace(code, " "))) names.Add(x.Value);
        return names;
    }

    /// <summary>The columns a description names ("…, Dim.City [Valid To] is NULL": Valid To), once each.</summary>
    private static IEnumerable<string> DescribedColumns(string description) =>
        Bracketed.Matches(description).Select(x => x.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A description's varied part and its mark: in "a new entity…, Dim.City [Valid To] equal to
    /// Staging.SalesOrderLine [Last Modified]" the input changes Dim.City [Valid To] (varied) and only
    /// reads [Last Modified]'s value (mark). Descriptions without a column change are all varied.
    /// </summary>
    private static (string Varied, string Mark) Parts(string description)
    {
        int segment = description.LastIndexOf(", ", StringComparison.Ordinal);
        int end = description.IndexOf("] ", segment < 0 ? 0 : segment, StringComparison.Ordinal);
        return end < 0 ? (description, "") : (description[..(end + 1)], description[(end + 1)..]);
    }

    private static readonly System.Text.RegularExpressions.Regex AliasUse = new(@"\b(?<alias>[A-Za-z_][A-Za-z0-9_]*)\.\[", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The tables (Schema.Name) behind the aliases the line uses, or that the line joins.</summary>
    private static List<string> TablesOnLine(string text, string line)
    {
        var found = new List<string>();
        void Add(string name)
        {
            var clean = name.Replace("[", "").Replace("]", "").Trim();
            if (clean.Contains('.') && !found.Contains(clean, StringComparer.OrdinalIgnoreCase)) found.Add(clean);
        }
        foreach (var alias in AliasUse.Matches(line).Select(x => x.Groups["alias"].Value).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var declared = System.Text.RegularExpressions.Regex.Match(text,
                @"(?:FROM|JOIN|APPLY)\s+(?<table>(?:\[[^\]]+\]|\w+)\.(?:\[[^\]]+\]|\w+))\s+(?:AS\s+)?" + System.Text.RegularExpressions.Regex.Escape(alias) + @"\b",
                System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
            if (declared.Success) Add(declared.Groups["table"].Value);
        }
        var joined = System.Text.RegularExpressions.Regex.Match(line, @"JOIN\s+(?<table>(?:\[[^\]]+\]|\w+)\.(?:\[[^\]]+\]|\w+))",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        if (joined.Success) Add(joined.Groups["table"].Value);
        return found;
    }
}
