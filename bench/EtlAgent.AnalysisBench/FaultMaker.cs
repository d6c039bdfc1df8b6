using System.Text.RegularExpressions;
using EtlAgent.Core.Analysis;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.AnalysisBench;

/// <summary>
/// Writes the faults the benchmark runs: a spread of the project's mutants of each procedure (the
/// expected class from the operator, the column from the text around the edit), and the
/// hand-written faults completed with their offset and statement line. The expected values are
/// decided here, from the edit alone, never from what the analysis reports.
/// </summary>
public static class FaultMaker
{
    public static List<Fault> Mutants(WorkspaceAnalysis analysis, string workspace, int perProcedure, Func<TransformationAnalysis, bool> include)
    {
        var faults = new List<Fault>();
        foreach (var t in analysis.Transformations.Where(t => t.Transformation.Kind == TransformationKind.Procedure && t.HasSyntax && include(t))
                     .OrderBy(t => t.Transformation.Name, StringComparer.Ordinal))
        {
            var index = new StatementIndex(t);
            foreach (var m in Pick(Candidates(t, index, analysis), perProcedure))
                faults.Add(FromMutant(t, index, m, workspace, t.Transformation.Name, analysis));
        }
        return faults;
    }

    /// <summary>
    /// A spread of a procedure's mutants: round robin over operator families (rarer families first) so
    /// every kind of edit is represented, taking from the front of each family and then skipping one.
    /// </summary>
    public static List<Mutant> Pick(IReadOnlyList<Mutant> mutants, int count)
    {
        var families = mutants.GroupBy(m => Family(m.Operator)).OrderBy(g => Priority(g.Key)).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => new Queue<Mutant>(g)).ToList();
        var picked = new List<Mutant>();
        while (picked.Count < count && families.Any(q => q.Count > 0))
            foreach (var q in families.Where(q => q.Count > 0))
            {
                if (picked.Count >= count) break;
                picked.Add(q.Dequeue());
                if (q.Count > 1) q.Dequeue();
            }
        return picked.OrderBy(m => m.Start).ToList();
    }

    /// <summary>The mutants a fault may be made of: in a leaf statement, and not a deleted statement that only sets options, drops or calls.</summary>
    public static List<Mutant> Candidates(TransformationAnalysis t, StatementIndex index, WorkspaceAnalysis analysis) =>
        MutantGenerator.Generate(t, analysis.Catalog)
            .Where(m => index.Innermost(m.Start, m.Length) is { IsBlock: false })
            .Where(m => !(m.Operator == "statement deleted" && Regex.IsMatch(m.Original, @"^\s*(SET\s+NOCOUNT|SET\s+XACT|DROP\s+TABLE|EXEC)", RegexOptions.IgnoreCase)))
            .ToList();

    /// <summary>A fault made of one mutant, with what the analysis should name decided from the edit alone.</summary>
    /// <param name="analysis">The workspace, whose table, view and schema names are not columns (`dbo.Orders` names no column).</param>
    public static Fault FromMutant(TransformationAnalysis t, StatementIndex index, Mutant m, string workspace, string idPrefix, WorkspaceAnalysis? analysis = null)
    {
        var s = index.Innermost(m.Start, m.Length)!;
        return new Fault
        {
            Id = $"{idPrefix}#m{m.Id}",
            Workspace = workspace,
            Transformation = t.Transformation.Name,
            File = t.Transformation.File,
            Offset = m.Start,
            Original = m.Original,
            Replacement = m.Mutated,
            Line = s.Line,
            Column = ColumnAround(t.Document.Text, m.Start, m.Length, m.Original, m.Mutated, ObjectNames(analysis)),
            Class = ClassOf(m, s.Text),
            Source = "mutation: " + m.Operator,
        };
    }

    /// <summary>Completes a hand-written fault: the offset of its (unique) original text, the first line of the statement holding it.</summary>
    public static Fault Complete(Fault spec, WorkspaceAnalysis analysis)
    {
        var t = analysis.FindTransformation(spec.Transformation) ?? throw new InvalidOperationException($"{spec.Id}: no transformation {spec.Transformation}");
        var text = t.Document.Text;
        int at = text.IndexOf(spec.Original, StringComparison.Ordinal);
        if (at < 0 || text.IndexOf(spec.Original, at + 1, StringComparison.Ordinal) >= 0)
            throw new InvalidOperationException($"{spec.Id}: '{spec.Original}' is not in {spec.File} exactly once");
        var s = new StatementIndex(t).Innermost(at, spec.Original.Length) ?? throw new InvalidOperationException($"{spec.Id}: the edit is in no statement");
        return spec with { Offset = at, Line = s.Line };
    }

    private static string Family(string op) => op.Split(' ')[0] switch
    {
        "relational" => op.Contains(">=") || op.Contains("<=") ? "boundary" : "relational",
        "AND" or "OR" => "and/or",
        "INNER" or "LEFT" or "RIGHT" => "join type",
        "ISNULL" or "COALESCE" or "NULLIF" => "null fallback",
        "IS" => "is null",
        "constant" => "constant",
        var f => f,
    };

    /// <summary>Families whose faults are rarer first, so a few per procedure still cover every kind of edit.</summary>
    private static int Priority(string family) => Array.IndexOf(new[]
    {
        "boundary", "aggregate", "join", "column", "null fallback", "is null", "constant", "join type", "relational",
        "SET", "statement", "MERGE", "ORDER", "CASE", "predicate", "and/or", "WHERE", "NOT", "DISTINCT",
    }, family) is var i and >= 0 ? i : 99;

    /// <summary>The class an operator's edit belongs to (a data engineer's reading of the change).</summary>
    private static string ClassOf(Mutant m, string statement)
    {
        var op = m.Operator;
        bool scd = Regex.IsMatch(statement, @"Valid\s*To|Is\s*Current|ValidTo|IsCurrent", RegexOptions.IgnoreCase);
        if (op.StartsWith("relational operator", StringComparison.Ordinal))
        {
            var pair = (m.Original.Trim(), m.Mutated.Trim());
            return pair is (">", ">=") or (">=", ">") or ("<", "<=") or ("<=", "<") ? BugClass.BoundaryOffByOne : BugClass.RowsLostOrAdded;
        }
        if (op.StartsWith("integer constant", StringComparison.Ordinal) || op.Contains("±1") || op.StartsWith("constant", StringComparison.Ordinal)) return BugClass.BoundaryOffByOne;
        if (op.StartsWith("aggregate", StringComparison.Ordinal)) return BugClass.WrongAggregate;
        if (op.StartsWith("join key", StringComparison.Ordinal)) return BugClass.WrongJoinKey;
        if (op.StartsWith("column replaced", StringComparison.Ordinal)) return BugClass.WrongColumn;
        if (op.Contains("IS NULL") || op.Contains("IS NOT NULL")) return BugClass.NullUnsafeComparison;
        if (op.Contains("fallback dropped") || op.StartsWith("NULLIF", StringComparison.Ordinal))
            return Regex.IsMatch(m.Original, @"Key\]?\s*,\s*(0|-1)\s*\)", RegexOptions.IgnoreCase) ? BugClass.MissingUnknownMember : BugClass.NullPropagation;
        if (op.Contains("ORDER BY")) return BugClass.WrongValue;
        if (op.StartsWith("CASE", StringComparison.Ordinal) || op.Contains("swapped")) return BugClass.WrongValue;
        if (op == "SET clause deleted") return scd && Regex.IsMatch(m.Original, @"Valid\s*To|Current", RegexOptions.IgnoreCase) ? BugClass.Scd2Window : BugClass.WrongValue;
        if (op == "statement deleted") return scd && Regex.IsMatch(m.Original, @"^\s*UPDATE", RegexOptions.IgnoreCase) ? BugClass.Scd2Window : BugClass.RowsLostOrAdded;
        return BugClass.RowsLostOrAdded; // AND/OR, predicates, WHERE negated, NOT, join types, DISTINCT, MERGE clauses
    }

    /// <summary>
    /// The column the edit is about, read from the text: one the edit names (the original's first,
    /// else the replacement's), else the nearest one named on the edit's line before it (an operator's
    /// left operand), else after it; null for a deleted statement or clause.
    /// </summary>
    private static HashSet<string> ObjectNames(WorkspaceAnalysis? analysis) =>
        analysis is null ? new(StringComparer.OrdinalIgnoreCase)
            : analysis.Catalog.All.SelectMany(t => new[] { t.Name.Name, t.Name.Schema ?? "" }).Where(n => n.Length > 0).ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static string? ColumnAround(string text, int start, int length, string original, string replacement, HashSet<string> objects)
    {
        IEnumerable<string> Named(string part) => ExpressionColumns.Named(part).Where(n => !objects.Contains(n));
        if (replacement.Length == 0 || replacement.StartsWith("SET NOCOUNT", StringComparison.Ordinal)) return null;
        var named = Named(original).Where(n => !n.StartsWith('@')).ToList();
        if (named.Count > 0) return named[0];
        int lineStart = text.LastIndexOf('\n', Math.Max(0, start - 1)) + 1;
        int lineEnd = text.IndexOf('\n', start + length); if (lineEnd < 0) lineEnd = text.Length;
        var before = Named(text[lineStart..start]).Where(n => !n.StartsWith('@')).ToList();
        if (before.Count > 0) return before[^1];
        var after = Named(text[(start + length)..lineEnd]).Where(n => !n.StartsWith('@')).ToList();
        if (after.Count > 0) return after[0];
        var fromReplacement = Named(replacement).Where(n => !n.StartsWith('@')).ToList();
        return fromReplacement.Count > 0 ? fromReplacement[0] : null;
    }
}
