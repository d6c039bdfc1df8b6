using System.Diagnostics;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Analysis;

/// <summary>How the analysis may spend its time, and the last green version of files when there is one.</summary>
public sealed record RootCauseOptions
{
    /// <summary>Where the last green version of a failing transformation's file comes from (a git revision, the memory); null: no base.</summary>
    public BaseVersions? Bases { get; init; }

    /// <summary>Time for the mutation search of one failure.</summary>
    public TimeSpan MutationBudget { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Time for delta debugging of one failure's input.</summary>
    public TimeSpan MinimiseBudget { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Failures analysed in full; the rest get the lineage and coverage ranking only.</summary>
    public int MaxFailures { get; init; } = 20;

    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int Parallelism { get; init; } = BoundedParallel.DefaultDegree;
}

/// <summary>
/// Root-cause analysis of a test run's failing cases. For each case that did not pass: the statement
/// most likely at fault and the ranked alternatives, from (in order of strength) differential
/// execution against the base version, mutation-based localisation, the error's statement, and the
/// lineage of the differing columns with statement coverage; then the columns, the bug class, the
/// severity, a minimal failing input (delta debugging) and an explanation.
/// </summary>
public sealed class RootCauseAnalyzer(WorkspaceAnalysis workspace, WorkspaceAnalyzer analyzer, Func<SandboxSetup, ISandboxFactory> createFactory, RootCauseOptions options)
{
    public async Task<RootCauseReport> AnalyseAsync(TestRunResult run, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var results = new List<FailureAnalysis>();
        int full = 0;
        foreach (var failing in run.Cases.Where(c => c.Outcome != TestOutcome.Passed))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var passing = run.Cases.Where(c => c.Outcome == TestOutcome.Passed && c.File.Transformation == failing.File.Transformation).ToList();
            results.Add(await AnalyseAsync(failing, passing, deep: full++ < options.MaxFailures, cancellationToken));
        }
        return new RootCauseReport(results, watch.Elapsed) { Base = options.Bases?.Source ?? AnalysisBase.None(), Analysed = results.Count };
    }

    public async Task<FailureAnalysis> AnalyseAsync(TestCaseResult failing, IReadOnlyList<TestCaseResult> passing, bool deep, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var id = new FailureId(failing.File.Path, failing.Case.Name, failing.File.Transformation);
        var shape = FailureShape.Of(failing);
        var severity = shape.Severity(failing);
        var testLine = failing.Failures.Select(f => f.Line).FirstOrDefault(l => l > 0, failing.Case.Line);
        var empty = new Dictionary<string, IReadOnlyList<IReadOnlyDictionary<string, object?>>>();
        string? note = null;
        var compared = AnalysisBase.None(options.Bases is null ? null : "not used for this failure");
        FailureAnalysis Result(SuspectStatement? root, IReadOnlyList<SuspectStatement> candidates, IReadOnlyDictionary<string, IReadOnlyList<IReadOnlyDictionary<string, object?>>> input, string evidence) =>
            new(id, root, candidates, severity, input, RootCauseExplanation.Write(failing, shape, root, evidence, note, compared), evidence, watch.Elapsed)
            {
                TestLine = testLine, Base = compared,
            };

        // the case could not run: the given rows, a construct of the code, or the sandbox itself
        if (failing.Outcome == TestOutcome.Error)
        {
            var sandbox = failing.Failures.OfType<SandboxFailure>().FirstOrDefault();
            if (sandbox?.Location is { } at)
            {
                bool inTest = at.File == failing.File.Path;
                var text = inTest ? "" : StatementTextAt(at);
                var suspect = new SuspectStatement(at.File, at.Range.Start.Line + 1, at.Range.End.Line + 1, at.Range.StartOffset, at.Range.Length,
                    text, Array.Empty<string>(), inTest ? BugClass.TestDataInvalid : BugClass.UnsupportedConstruct, 0.9);
                return Result(suspect, Array.Empty<SuspectStatement>(), empty, inTest ? "given-rows" : "error");
            }
            return Result(null, Array.Empty<SuspectStatement>(), empty, "none");
        }

        var t = workspace.FindTransformation(failing.File.Transformation);
        if (t is not { HasSyntax: true }) return Result(null, Array.Empty<SuspectStatement>(), empty, "none");
        var index = new StatementIndex(t);
        var errorStatement = shape.Error?.Location is { } el && el.File == t.Transformation.File ? index.Innermost(el.Range.StartOffset, 0) : null;
        var covered = index.CoveredLeaves(failing.Covered).ToList();
        double Prior(IndexedStatement s) => PriorOf(t, s, shape, errorStatement, covered);

        var ranked = new List<SuspectStatement>();
        var hinted = new HashSet<int>();
        WorkspaceAnalysis? fixedVersion = null;
        string evidence = "lineage";

        // (a) the last green version: revert each changed statement alone
        compared = options.Bases is null ? AnalysisBase.None() : deep ? options.Bases.For(t).Info : AnalysisBase.None("not analysed in full");
        if (deep && options.Bases?.For(t).Text is { } baseText)
        {
            var diff = await new DifferentialLocalizer(workspace, analyzer, createFactory) { CaseTimeout = options.CaseTimeout }
                .LocaliseAsync(t, index, baseText, failing, cancellationToken);
            if (diff is not null && diff.Ranked.Count > 0)
            {
                evidence = "differential";
                note = diff.Divergence is { } dv ? RootCauseExplanation.Divergence(dv) : null;
                fixedVersion = diff.BasePasses ? MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, baseText) : null;
                foreach (var (change, score) in diff.Ranked)
                {
                    if (change.Current is null && change.Base is { } gone)
                    {
                        // deleted since the base: named where it stood (before the statement that now follows it, or at the end)
                        var at = DeletedAt(t, index, change, gone, shape, Confidence(score));
                        bool first = diff.Divergence?.Statement is { } dd ? dd.Start == change.InsertAt : diff.Divergence is { ControlFlow: true };
                        if (ranked.Any(r => r.Start == at.Start && r.Edit?.Operator == at.Edit?.Operator)) continue;
                        ranked.Add(first && ranked.Count == 0 ? at with { Confidence = Math.Max(at.Confidence, 0.8) } : at);
                        continue;
                    }
                    var s = change.Current ?? index.Statements.Where(x => !x.IsBlock && x.Start >= change.InsertAt).OrderBy(x => x.Start).FirstOrDefault()
                        ?? index.Statements.LastOrDefault(x => !x.IsBlock);
                    if (s is null || ranked.Any(r => r.Start == s.Start)) continue;
                    double confidence = Confidence(score);
                    // the first differing state confirms the statement it follows, and names the columns that differ there
                    bool diverges = diff.Divergence?.Statement is { } d && d.Start == s.Start;
                    if (diverges && ranked.Count == 0) confidence = Math.Max(confidence, 0.8);
                    ranked.Add(Describe(t, index, s, shape, change.Edit, confidence, diverges ? diff.Divergence!.Columns : null));
                }
                double Confidence(double score) => score >= 1 ? (diff.Ranked.Count == 1 ? 0.95 : 0.85) : score >= 0.5 ? 0.6 : 0.3;
            }
        }

        // (b) mutation-based localisation over the statements the case ran
        if (deep && ranked.Count == 0)
        {
            var votes = await new MutationLocalizer(workspace, analyzer, createFactory)
            {
                Budget = options.MutationBudget, CaseTimeout = options.CaseTimeout, Parallelism = options.Parallelism,
            }.LocaliseAsync(t, index, failing, passing, Prior, cancellationToken);
            // an edit that turns the case green is evidence; one that only brings it closer is a hint beside the lineage
            var strong = votes.Where(v => v.Score >= 0.6).ToList();
            foreach (var weak in votes.Where(v => v.Score < 0.6)) hinted.Add(weak.Statement.Start);
            if (strong.Count > 0)
            {
                evidence = "mutation";
                votes = DataFlowOrder.Upstream(t, index, strong, shape);
                double top = votes[0].Score, second = votes.Count > 1 ? votes[1].Score : 0;
                // per-statement table state: the current and the fixed version run side by side; the columns
                // that differ right after the top statement are the ones its fault touches there (a #temp column included)
                IReadOnlyList<string>? observed = null;
                if (votes[0].Best is { } fix)
                {
                    var divergence = await new StateDifferential(workspace, analyzer, createFactory) { CaseTimeout = options.CaseTimeout }
                        .FirstDivergenceAsync(t, index, fix.Apply(t.Document.Text), failing, cancellationToken);
                    if (divergence?.Statement is { } d && d.Start == votes[0].Statement.Start) observed = divergence.Columns;
                }
                for (int i = 0; i < votes.Count; i++)
                {
                    var v = votes[i];
                    var edit = v.Best is { } m ? new SuspectEdit(m.Start, m.Length, m.Original, m.Mutated, m.Operator) : null;
                    double confidence = i == 0 ? Math.Clamp(0.45 + 0.45 * Math.Min(1, v.Score) - 0.3 * (second / Math.Max(top, 1e-9)) * (second >= top ? 1 : 0.5), 0.2, 0.95)
                        : Math.Clamp(0.5 * v.Score / Math.Max(top, 1e-9), 0.05, 0.6);
                    // the other edits of the statement that also turn the case green touch the columns responsible too
                    var alsoFixing = v.Fixing.Skip(1).SelectMany(f => ExpressionColumns.Around(v.Statement.Node, f.Start, f.Length));
                    ranked.Add(Describe(t, index, v.Statement, shape, edit, confidence, (i == 0 ? observed ?? Array.Empty<string>() : Array.Empty<string>()).Concat(alsoFixing).ToList()));
                }
                if (votes[0].Best is { } best && votes[0].Score >= 0.6)
                    fixedVersion = MutantWorkspace.Create(workspace, analyzer, t.Transformation.File, best.Apply(t.Document.Text));
            }
        }

        // (b') an expected error no statement can raise, or a table the case expects rows in that no statement writes:
        // no edit of the code that is there brings them back, the check or the writer is missing
        if (ranked.Count == 0 && errorStatement is null && MissingCheck.Find(index, failing) is { } check)
        {
            ranked.Add(Describe(t, index, check, shape, null, 0.45));
            note = $"The case expects error {failing.Case.Expect.Error!.Number}, which no statement of the procedure raises: the check that raises it is missing, "
                + $"most likely where checks stand, after the declarations (just before line {check.Line}).";
        }
        if (ranked.Count == 0 && errorStatement is null && MissingWriter.Find(t, index, covered, failing) is { } gap)
        {
            var place = !gap.AnyWriter ? Describe(t, index, gap.LastWriter, shape, null, 0.45)
                : gap.Next is { } next ? Describe(t, index, next, shape, null, 0.45) : EndOfBody(t, index, gap.LastWriter, shape, 0.45);
            ranked.Add(place);
            note = $"No statement of the procedure writes {gap.Table}, where the case expects rows: a statement that writes it is missing, "
                + (gap.AnyWriter
                    ? $"most likely where the data flow the case ran ends, just after the statement at line {gap.LastWriter.Line} (the last one that writes a table)."
                    : $"and no statement the case ran writes any table: most likely just after the statement at line {gap.LastWriter.Line}, the last one the case ran.");
        }

        // values of a table's rows differ and no edit of the code that is there fixes them: what set those values is missing
        if (ranked.Count == 0 && errorStatement is null && shape.Error is null && MissingAssignment.Find(t, index, covered, failing) is { } unset)
        {
            ranked.Add(Describe(t, index, unset.At, shape, null, 0.4, unset.Columns));
            var columns = string.Join(", ", unset.Columns);
            note = unset.Inside
                ? $"No single edit of the code makes {unset.Table}'s {columns} what the case expects, and the UPDATE at line {unset.At.Line} sets other columns of the table but not these: "
                    + "most likely an assignment of them is missing from it."
                : $"No single edit of the code makes {unset.Table}'s {columns} what the case expects: a statement that sets them is missing, most likely {unset.Where}.";
        }

        // (c) the error's statement, then lineage and coverage: statements that wrote what differs
        if (errorStatement is not null && ranked.Count == 0)
        {
            evidence = "error";
            // a statement that only copies the column the error names did not make its value: the one that computed it did
            if (ErrorOrigin(t, covered, errorStatement, shape) is { } origin)
            {
                ranked.Add(Describe(t, index, origin, shape, null, 0.6));
                note = $"The statement at line {errorStatement.Line} raised the error, but it only copies the column the error names; the value was computed here.";
            }
            ranked.Add(Describe(t, index, errorStatement, shape, null, ranked.Count == 0 ? 0.7 : 0.4));
        }
        double Lineage(IndexedStatement s) => Prior(s) + (hinted.Contains(s.Start) ? 1 : 0);
        foreach (var s in covered.OrderByDescending(Lineage).ThenBy(s => s.Start))
        {
            if (ranked.Any(r => r.Start == s.Start) || Lineage(s) <= 1) continue;
            ranked.Add(Describe(t, index, s, shape, null, ranked.Count == 0 ? Math.Min(0.5, 0.1 * Lineage(s)) : Math.Min(0.3, 0.05 * Lineage(s))));
        }

        var input = empty;
        if (deep && failing.Case.Given.Sum(g => g.Rows.Count) > 0)
        {
            var minimal = await new InputMinimizer(createFactory) { Budget = options.MinimiseBudget, CaseTimeout = options.CaseTimeout }
                .MinimiseAsync(workspace, fixedVersion, failing, cancellationToken);
            input = minimal.Given.Where(g => g.Rows.Count > 0).ToDictionary(g => g.Table.ToString(),
                g => (IReadOnlyList<IReadOnlyDictionary<string, object?>>)g.Rows.Select(r => (IReadOnlyDictionary<string, object?>)r.Cells.ToDictionary(c => c.Key, c => c.Value)).ToList());
        }
        return Result(ranked.FirstOrDefault(), ranked.Skip(1).Take(5).ToList(), input, ranked.Count == 0 ? "none" : evidence);
    }

    /// <param name="observed">Columns seen to differ in the state the statement leaves (differential execution), when known.</param>
    private SuspectStatement Describe(TransformationAnalysis t, StatementIndex index, IndexedStatement s, FailureShape shape, SuspectEdit? edit, double confidence,
        IReadOnlyList<string>? observed = null)
    {
        var columns = new List<string>();
        void Add(IEnumerable<string> names) { foreach (var n in names) if (!columns.Contains(n, StringComparer.OrdinalIgnoreCase)) columns.Add(n); }
        if (edit is not null)
        {
            Add(ExpressionColumns.Around(s.Node, edit.Start, Math.Max(edit.Length, 0)));
            Add(ExpressionColumns.Named(edit.Replacement).Where(n => !n.StartsWith('@')));
        }
        if (observed is not null) Add(observed);
        var written = ExpressionColumns.Written(t, s.Node);
        Add(shape.DifferingColumns.Where(c => written.Contains(c, StringComparer.OrdinalIgnoreCase)));
        if (columns.Count == 0) Add(shape.DifferingColumns);
        var bugClass = BugClassifier.Classify(shape, s.Node, s.Text, edit);
        return index.Suspect(s, columns, bugClass, confidence, edit);
    }

    /// <summary>
    /// A statement of the base deleted since: the suspect is the statement that now follows where it
    /// stood (or the procedure's end when it was the last), its edit puts the base's text back, and
    /// its class and columns are the deleted statement's.
    /// </summary>
    private static SuspectStatement DeletedAt(TransformationAnalysis t, StatementIndex index, StatementChange change, IndexedStatement gone, FailureShape shape,
        double confidence)
    {
        var columns = new List<string>();
        void Add(IEnumerable<string> names) { foreach (var n in names) if (!columns.Contains(n, StringComparer.OrdinalIgnoreCase)) columns.Add(n); }
        var written = ExpressionColumns.Written(t, gone.Node);
        Add(shape.DifferingColumns.Where(c => written.Contains(c, StringComparer.OrdinalIgnoreCase)));
        if (columns.Count == 0) Add(shape.DifferingColumns);
        var next = index.Statements.Where(x => !x.IsBlock && x.Start >= change.InsertAt).OrderBy(x => x.Start).FirstOrDefault();
        var edit = change.Edit with { Operator = next is null ? DeletedAtEnd : DeletedBefore };
        var bugClass = BugClassifier.Classify(shape, gone.Node, gone.Text, edit);
        if (next is not null) return index.Suspect(next, columns, bugClass, confidence, edit);
        // the last statement went: the place is what closes the body after the statement now last (its END)
        var text = t.Document.Text;
        int p = Math.Min(change.InsertAt, text.Length);
        while (p < text.Length && (char.IsWhiteSpace(text[p]) || text[p] == ';')) p++;
        // nothing closes the body (a procedure without BEGIN … END at the end of its file): the statement now last marks the end
        if (p >= text.Length && index.Statements.LastOrDefault(x => !x.IsBlock) is { } last) return index.Suspect(last, columns, bugClass, confidence, edit);
        int eol = text.IndexOf('\n', p);
        var rest = (eol < 0 ? text[p..] : text[p..eol]).Trim();
        int line = t.Document.Lines.PositionOf(p).Line + 1;
        return new SuspectStatement(t.Transformation.File, line, line, p, Math.Max(rest.Length, 0), rest, columns, bugClass, Math.Round(confidence, 2)) { Edit = edit };
    }

    /// <summary>The place after the statement now last that writes a table when no statement follows it: what closes the body (its END).</summary>
    private static SuspectStatement EndOfBody(TransformationAnalysis t, StatementIndex index, IndexedStatement last, FailureShape shape, double confidence)
    {
        var text = t.Document.Text;
        int p = Math.Min(last.End, text.Length);
        while (p < text.Length && (char.IsWhiteSpace(text[p]) || text[p] == ';')) p++;
        var bugClass = BugClassifier.Classify(shape, null, "", null);
        if (p >= text.Length) return index.Suspect(last, shape.DifferingColumns, bugClass, confidence);
        int eol = text.IndexOf('\n', p);
        var rest = (eol < 0 ? text[p..] : text[p..eol]).Trim();
        int line = t.Document.Lines.PositionOf(p).Line + 1;
        return new SuspectStatement(t.Transformation.File, line, line, p, rest.Length, rest, shape.DifferingColumns, bugClass, Math.Round(confidence, 2));
    }

    /// <summary>The edit operators of a deleted statement: named before the statement that follows it, or at the procedure's end.</summary>
    public const string DeletedBefore = "statement deleted";
    public const string DeletedAtEnd = "statement deleted at the end";

    /// <summary>
    /// Where the value an error names (515 NULL into X, 8152 truncation of X) was made, when the
    /// statement that raised the error only copies X: walking back over earlier statements the case
    /// ran that assign X, to the latest one that computes it (not a copy), else the earliest copy.
    /// </summary>
    internal static IndexedStatement? ErrorOrigin(TransformationAnalysis t, IReadOnlyList<IndexedStatement> covered, IndexedStatement errorStatement, FailureShape shape)
    {
        if (shape.Error is null || System.Text.RegularExpressions.Regex.Match(shape.Error.Message, @"column '([^']+)'") is not { Success: true } named) return null;
        var column = named.Groups[1].Value;
        var here = ExpressionColumns.Assignments(t, errorStatement.Node).Where(a => a.Column.Equals(column, StringComparison.OrdinalIgnoreCase)).ToList();
        // lineage origins are transitive (a copy of a computed #temp column is an "expression" too): read the source as written
        static bool Copies(ColumnAssignment a) => a.Source is null ? a.Origin.Kind == MappingKind.Direct : a.Source is Microsoft.SqlServer.TransactSql.ScriptDom.ColumnReferenceExpression;
        if (here.Count == 0 || !here.All(Copies)) return null;
        IndexedStatement? copy = null;
        foreach (var s in covered.Where(s => s.End <= errorStatement.Start).OrderByDescending(s => s.Start))
        {
            var assigned = ExpressionColumns.Assignments(t, s.Node).Where(a => a.Column.Equals(column, StringComparison.OrdinalIgnoreCase)).ToList();
            if (assigned.Count == 0) continue;
            if (!assigned.All(Copies)) return s;
            copy = s;
        }
        return copy;
    }

    /// <summary>
    /// Lineage and coverage: a statement the case ran scores 1, more when it writes a table whose rows
    /// differ, more when it computes a column that differs (less when it only copies one), a little
    /// for an intermediate (#temp) table, most when the error was raised there.
    /// </summary>
    private static double PriorOf(TransformationAnalysis t, IndexedStatement s, FailureShape shape, IndexedStatement? errorStatement, List<IndexedStatement> covered)
    {
        double p = covered.Contains(s) ? 1 : 0.5;
        var tables = ExpressionColumns.WrittenTables(t, s.Node);
        if (tables.Any(shape.Tables.Contains)) p += 2;
        if (tables.Any(x => x.Name.StartsWith('#') || x.Name.StartsWith('@'))) p += 0.5;
        // the statement that computes a differing column (any table, a #temp one included) is more suspect than one that copies it
        var assigned = ExpressionColumns.Assignments(t, s.Node).Where(a => shape.DifferingColumns.Contains(a.Column, StringComparer.OrdinalIgnoreCase)).ToList();
        if (assigned.Any(a => a.Origin.Kind != MappingKind.Direct)) p += 2.5;
        else if (assigned.Count > 0) p += 0.5;
        if (errorStatement is not null && errorStatement.Start == s.Start) p += 3;
        return p;
    }

    private string StatementTextAt(Location at)
    {
        var doc = workspace.Documents.FirstOrDefault(d => d.Document.Path == at.File)?.Document;
        if (doc is null || at.Range.EndOffset > doc.Text.Length || at.Range.Length <= 0) return "";
        return StatementIndex.Collapse(doc.Text.Substring(at.Range.StartOffset, at.Range.Length));
    }
}
