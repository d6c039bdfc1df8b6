using EtlAgent.Core.Lineage;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Analysis;

/// <summary>One statement that differs from the base version: where it is now, the smallest differing span, and its text in the base.</summary>
public sealed record StatementChange(IndexedStatement? Current, int InsertAt, string BaseText, SuspectEdit Edit, string? Column = null)
{
    /// <summary>The statement in the base version (null: added since); with no <see cref="Current"/> it was deleted.</summary>
    public IndexedStatement? Base { get; init; }
}

/// <summary>What differential execution found: the change that, reverted alone, restores the case (or brings it closest), with the others ranked after it.</summary>
public sealed record DifferentialResult(IReadOnlyList<(StatementChange Change, double Score)> Ranked, bool BasePasses)
{
    /// <summary>The first statement after which a table's state differs from the base version's, when the runs showed one.</summary>
    public StateDivergence? Divergence { get; init; }
}

/// <summary>
/// Differential localisation against the last green version of the file: the failing case is run
/// statement by statement on both versions (<see cref="StateDifferential"/>), and the first statement
/// after which a table's state differs names the root cause and its columns. The statements of the
/// two versions are aligned (longest common subsequence of their whitespace-collapsed texts); each
/// changed statement is also reverted alone and the case run again, which confirms the first one and
/// ranks the others (reversion makes the case pass, then brings it closer). A first-differing
/// statement that did not change is fed by an earlier change (a variable, a condition): the closest
/// earlier change ranks first then.
/// </summary>
public sealed class DifferentialLocalizer(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <returns>Null when the base text does not parse into the same transformation or nothing differs.</returns>
    public async Task<DifferentialResult?> LocaliseAsync(TransformationAnalysis t, StatementIndex index, string baseText, TestCaseResult failing, CancellationToken cancellationToken)
    {
        var text = t.Document.Text;
        if (baseText == text) return null;
        var baseWorkspace = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, baseText);
        if (baseWorkspace?.FindTransformation(t.Transformation.Name) is not { HasSyntax: true } old) return null;
        var changes = Changes(index, new StatementIndex(old), text, baseText);
        if (changes.Count == 0) return null;

        var shape = FailureShape.Of(failing);
        bool basePasses = (await RunAsync(baseWorkspace, failing, t.Transformation.Name, cancellationToken)).Outcome == TestOutcome.Passed;
        var ranked = new List<(StatementChange, double)>();
        foreach (var change in changes)
        {
            var reverted = change.Current is { } cur
                ? text[..cur.Start] + change.BaseText + text[cur.End..]
                : text[..change.InsertAt] + change.BaseText + "\n" + text[change.InsertAt..];
            var w = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, reverted);
            double score = 0.1;
            if (w is not null)
            {
                var r = await RunAsync(w, failing, t.Transformation.Name, cancellationToken);
                score = r.Outcome == TestOutcome.Passed ? 1
                    : r.Outcome == TestOutcome.Failed && FailureShape.Of(r) is { } now && (now.Signature != shape.Signature || now.Distance < shape.Distance) ? 0.5
                    : 0.1;
            }
            ranked.Add((change, score));
        }
        ranked = ranked.OrderByDescending(x => x.Item2).ThenBy(x => x.Item1.Current?.Start ?? x.Item1.InsertAt).ToList();
        var divergence = await new StateDifferential(workspace, analyzer, createFactory) { CaseTimeout = CaseTimeout }
            .FirstDivergenceAsync(t, index, baseText, failing, cancellationToken);
        return new DifferentialResult(FirstDiverging(ranked, divergence), basePasses) { Divergence = divergence };
    }

    /// <summary>
    /// The change at the first differing state first: the changed statement itself, a statement deleted
    /// just before it, else the closest change before it (its effect reached the tables through a
    /// variable or a condition). Unless reverting that change alone does nothing while reverting
    /// another one makes the case pass (a change that moved intermediate state but not the outcome).
    /// </summary>
    internal static List<(StatementChange, double)> FirstDiverging(List<(StatementChange Change, double Score)> ranked, StateDivergence? divergence)
    {
        if (divergence?.Statement is not { } at || ranked.Count < 2) return ranked;
        int Position((StatementChange Change, double Score) x) => x.Change.Current?.Start ?? x.Change.InsertAt;
        var pick = ranked.FirstOrDefault(x => x.Change.Current is { } c && c.Start == at.Start);
        if (pick.Change is null) pick = ranked.Where(x => x.Change.Current is null && x.Change.InsertAt == at.Start).FirstOrDefault();
        if (pick.Change is null) pick = ranked.Where(x => Position(x) <= at.Start).OrderByDescending(x => x.Score).ThenByDescending(Position).FirstOrDefault();
        if (pick.Change is null || (pick.Score < 0.5 && ranked[0].Score >= 1)) return ranked;
        return new[] { pick }.Concat(ranked.Where(x => !ReferenceEquals(x.Change, pick.Change))).ToList();
    }

    private async Task<TestCaseResult> RunAsync(WorkspaceAnalysis w, TestCaseResult failing, string transformation, CancellationToken cancellationToken)
    {
        var runner = new TestRunner(w, createFactory) { CaseTimeout = CaseTimeout };
        await using var factory = createFactory(new SandboxSetup(w, failing.File.EnforceForeignKeys, transformation));
        return await runner.RunCaseAsync(factory, failing.File, failing.Case, cancellationToken);
    }

    /// <summary>The statements' texts (whitespace and case aside) and the table of their longest common subsequence's lengths.</summary>
    private static (string[] A, string[] B, int[,] Lcs) CommonStatements(IReadOnlyList<IndexedStatement> a, IReadOnlyList<IndexedStatement> b)
    {
        var ka = a.Select(s => StatementIndex.Collapse(s.Text).ToUpperInvariant()).ToArray();
        var kb = b.Select(s => StatementIndex.Collapse(s.Text).ToUpperInvariant()).ToArray();
        var lcs = new int[ka.Length + 1, kb.Length + 1];
        for (int i = ka.Length - 1; i >= 0; i--)
            for (int j = kb.Length - 1; j >= 0; j--)
                lcs[i, j] = ka[i] == kb[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        return (ka, kb, lcs);
    }

    /// <summary>Changed leaf statements: pairs between aligned anchors are matched in order; extra current ones are additions, extra base ones deletions.</summary>
    internal static List<StatementChange> Changes(StatementIndex current, StatementIndex baseIndex, string text, string baseText)
    {
        var a = current.Statements.Where(s => !s.IsBlock).ToList();
        var b = baseIndex.Statements.Where(s => !s.IsBlock).ToList();
        var (ka, kb, lcs) = CommonStatements(a, b);
        var changes = new List<StatementChange>();
        int x = 0, y = 0;
        var pendingA = new List<IndexedStatement>(); var pendingB = new List<IndexedStatement>();
        void Flush(int insertAt)
        {
            for (int k = 0; k < Math.Max(pendingA.Count, pendingB.Count); k++)
            {
                var cur = k < pendingA.Count ? pendingA[k] : null;
                var old = k < pendingB.Count ? pendingB[k] : null;
                var edit = cur is not null && old is not null ? SmallestEdit(text, cur, old.Text)
                    : cur is not null ? new SuspectEdit(cur.Start, cur.End - cur.Start, cur.Text, "", "statement added")
                    : new SuspectEdit(insertAt, 0, "", old!.Text, "statement deleted");
                changes.Add(new StatementChange(cur, insertAt, old?.Text ?? "", edit) { Base = old });
            }
            pendingA.Clear(); pendingB.Clear();
        }
        while (x < ka.Length || y < kb.Length)
        {
            if (x < ka.Length && y < kb.Length && ka[x] == kb[y]) { Flush(a[x].Start); x++; y++; }
            else if (y >= kb.Length || (x < ka.Length && lcs[x + 1, y] >= lcs[x, y + 1])) pendingA.Add(a[x++]);
            else pendingB.Add(b[y++]);
        }
        Flush(a.Count > 0 ? a[^1].End : 0);
        // an outer statement (an IF) whose inner statement changed is not a change of its own
        return changes.Where(c => c.Current is null || !changes.Any(o => !ReferenceEquals(o, c) && o.Current is { } inner && inner != c.Current && c.Current.Contains(inner.Start, inner.End - inner.Start)))
            .ToList();
    }

    /// <summary>
    /// Pairs the leaf statements of two versions: equal texts (whitespace and case aside) along their
    /// longest common subsequence, and between two such anchors the rest in order, as far as both
    /// sides have statements. Maps a position in <paramref name="a"/> to one in <paramref name="b"/>.
    /// </summary>
    internal static Dictionary<int, int> Align(IReadOnlyList<IndexedStatement> a, IReadOnlyList<IndexedStatement> b)
    {
        var (ka, kb, lcs) = CommonStatements(a, b);
        var map = new Dictionary<int, int>();
        var pendingA = new List<int>(); var pendingB = new List<int>();
        void Flush()
        {
            for (int k = 0; k < Math.Min(pendingA.Count, pendingB.Count); k++) map[pendingA[k]] = pendingB[k];
            pendingA.Clear(); pendingB.Clear();
        }
        int x = 0, y = 0;
        while (x < ka.Length || y < kb.Length)
        {
            if (x < ka.Length && y < kb.Length && ka[x] == kb[y]) { Flush(); map[x++] = y++; }
            else if (y >= kb.Length || (x < ka.Length && lcs[x + 1, y] >= lcs[x, y + 1])) pendingA.Add(x++);
            else pendingB.Add(y++);
        }
        Flush();
        return map;
    }

    /// <summary>The differing span of two versions of a statement, widened to whole tokens.</summary>
    private static SuspectEdit SmallestEdit(string text, IndexedStatement cur, string oldText)
    {
        var now = cur.Text;
        int p = 0;
        while (p < now.Length && p < oldText.Length && now[p] == oldText[p]) p++;
        int s = 0;
        while (s < now.Length - p && s < oldText.Length - p && now[^(s + 1)] == oldText[^(s + 1)]) s++;
        while (p > 0 && IsTokenChar(now[p - 1])) p--;
        while (s > 0 && IsTokenChar(now[^s])) s--;
        // a bracketed name is one token, spaces and all: widen until the brackets balance
        while (p > 0 && Unbalanced(now.Substring(p, now.Length - s - p), ']', '[')) p--;
        while (s > 0 && Unbalanced(now.Substring(p, now.Length - s - p), '[', ']')) s--;
        var original = now.Substring(p, now.Length - s - p);
        var replacement = oldText.Substring(p, oldText.Length - s - p);
        return new SuspectEdit(cur.Start + p, original.Length, original, replacement, "changed since the base");
    }

    private static bool Unbalanced(string text, char open, char close) => text.Count(c => c == open) > text.Count(c => c == close);

    private static bool IsTokenChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '<' or '>' or '=' or '!' or '@' or '#' or '[' or ']' or '.';
}
