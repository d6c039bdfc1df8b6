using System.Globalization;
using System.Text.RegularExpressions;
using EtlAgent.Core.Generation;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.Runner;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Healing;

/// <summary>
/// The test-side heal for test data a new constraint rejects ("adjust-given-rows"): the given rows
/// of a case are inserted into a sandbox one table at a time, and each row the database refuses is
/// edited as little as the constraint needs — a NOT NULL column left NULL takes its default or a
/// representative value, a CHECK takes the first value it accepts (from the constraint's own
/// constants, the column's other given values, the generator's choice), a duplicate of a key is
/// dropped, a missing parent row of a foreign key is added, a value too long or out of range for
/// a narrowed column is cut or replaced — until every given row goes in. A file that no longer
/// loads because a given row misses a new NOT NULL column, or holds a value a narrowed type refuses,
/// is adjusted the same way (<see cref="ForDriftAsync"/>). The expectations stay as they are, but
/// for the rows that depend on the changed data: when the case then fails only on expected rows,
/// those are re-recorded (<see cref="ExpectationRerecorder"/>) and shown in the diff.
/// </summary>
public sealed partial class GivenRowsAdjuster(WorkspaceAnalysis workspace, Func<SandboxSetup, ISandboxFactory> createFactory)
{
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The day generated values are anchored to.</summary>
    public DateTime Today { get; init; } = new GenerationOptions().Clock.Date;

    /// <summary>Rows edited before giving up on a case (each edit is one more sandbox insert).</summary>
    private const int MaxEdits = 16;

    /// <summary>Whether a case failed because the sandbox refused one of its given rows (the runner's wording: "given row N of T").</summary>
    public static bool Rejected(TestCaseResult result) =>
        result.Outcome == TestOutcome.Error && result.Failures.Any(f => f is SandboxFailure { Construct: null, Cause: null } s && s.Message.Contains(": given row ", StringComparison.Ordinal));

    /// <param name="failed">A case whose given rows the sandbox refuses.</param>
    /// <param name="text">The test file's current text.</param>
    /// <param name="baseline">Every case of the file as run on the current text.</param>
    public async Task<HealSuggestion?> ForCaseAsync(TestCaseResult failed, string text, IReadOnlyList<TestCaseResult> baseline, CancellationToken cancellationToken = default)
    {
        var file = failed.File;
        var editor = new GivenRowsEditor(file.Path, text);
        if (editor.Case(failed.Case.Name) is not { } caseNode) return null;
        var model = new List<Given>();
        foreach (var g in failed.Case.Given)
        {
            var rows = GivenRowsEditor.Rows(caseNode, g.Table, Resolve)?.Children.OfType<YamlDotNet.RepresentationModel.YamlMappingNode>().ToList();
            if (rows is null || rows.Count != g.Rows.Count) return null;
            model.Add(new Given(g.Table, g.Rows.Select((r, i) => new Row(r.ToSandboxRow(), rows[i])).ToList()));
        }
        var values = Values(file.Transformation);
        var notes = new List<string>();
        await using (var factory = createFactory(new SandboxSetup(workspace, file.EnforceForeignKeys, file.Transformation)))
        {
            for (int edits = 0; ; edits++)
            {
                if (await ProbeAsync(factory, model, cancellationToken).ConfigureAwait(false) is not { } refused) break;
                if (edits >= MaxEdits) return null;
                if (!await FixAsync(refused, model, editor, caseNode, values, notes, factory, cancellationToken).ConfigureAwait(false)) return null;
            }
        }
        if (editor.IsEmpty || editor.Edits() is not { } rowEdits || SpanEdits.Apply(text, rowEdits, file.Path) is not { } adjusted) return null;

        var passedBefore = baseline.Where(b => b.File.Path == file.Path && b.Outcome == TestOutcome.Passed).Select(b => b.Case.Name).ToHashSet(StringComparer.Ordinal);
        bool MustPass(string name) => name == failed.Case.Name || passedBefore.Contains(name);
        var (final, evidence, rerecorded) = await CheckAsync(file.Path, adjusted, MustPass, new[] { failed.Case.Name }, notes, cancellationToken).ConfigureAwait(false);
        if (evidence is null) return null;
        var title = $"adjust the given rows of \"{failed.Case.Name}\" that the new constraints reject ({string.Join(", ", Summaries(notes))})" +
            (rerecorded.Count > 0 ? "; the expected rows that depend on them re-recorded" : "; expectations kept");
        var candidate = new RepairCandidate(HealKinds.Test, HealClasses.AdjustGivenRows, title, LineDiffEdits.Between(file.Path, text, final), "test")
        {
            Diff = notes.Concat(rerecorded).ToList(),
        };
        return new HealSuggestion(HealId.For(file.Path, failed.Case.Name, candidate), file.Path, failed.Case.Name, candidate, evidence);
    }

    /// <summary>
    /// Runs the adjusted file; when the targeted cases then fail only on expected rows that depend
    /// on the data changed — a row found holds a value the adjustment wrote, or rows were dropped or
    /// added — re-records those and runs again. A case that fails otherwise (a bug in the code the
    /// adjusted data still shows) is not re-recorded: the heal is not offered.
    /// </summary>
    private async Task<(string Text, HealVerification? Evidence, IReadOnlyList<string> Rerecorded)> CheckAsync(string path, string adjusted, Func<string, bool>? mustPass,
        IReadOnlyCollection<string>? targets, IReadOnlyList<string> notes, CancellationToken cancellationToken)
    {
        bool structural = notes.Any(n => !n.StartsWith('~') || !n.Contains(" → ", StringComparison.Ordinal));
        var written = notes.Select(n => NewValue.Match(n)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        bool Depends(TestCaseResult c) => c.Failures.All(f => f switch
        {
            RowsMismatch r => structural || r.Diff.Unexpected.Any(row => row.Any(v => v is not null && written.Contains(TestValues.Format(v).Text))),
            RowCountMismatch => structural,
            _ => false,
        });
        var checker = new TestFileHealCheck(workspace, createFactory) { CaseTimeout = CaseTimeout };
        var check = await checker.RunAsync(path, adjusted, mustPass, cancellationToken).ConfigureAwait(false);
        if (check.Evidence is { } evidence) return (adjusted, evidence, Array.Empty<string>());
        if (check.Run is null) return (adjusted, null, Array.Empty<string>());
        var red = check.Run.Cases.Where(c => c.Outcome != TestOutcome.Passed && (targets is null || targets.Contains(c.Case.Name))).ToList();
        var edits = new List<TextEdit>();
        var diff = new List<string>();
        foreach (var c in red)
        {
            if (!Depends(c)) return (adjusted, null, Array.Empty<string>());
            if (ExpectationRerecorder.For(c, adjusted, workspace.Catalog) is not { } rerecord) return (adjusted, null, Array.Empty<string>());
            edits.AddRange(rerecord.Edits);
            diff.AddRange(rerecord.Diff.Select(d => $"{d[..1]} expected {d[2..]}"));
        }
        if (edits.Count == 0 || SpanEdits.Apply(adjusted, edits, path) is not { } rerecorded) return (adjusted, null, Array.Empty<string>());
        var again = await checker.RunAsync(path, rerecorded, mustPass, cancellationToken).ConfigureAwait(false);
        return (rerecorded, again.Evidence, diff);
    }

    private sealed record Row(SandboxRow Values, YamlDotNet.RepresentationModel.YamlMappingNode? Node);

    private sealed record Given(QualifiedName Table, List<Row> Rows);

    private sealed record Refusal(Given Table, int Index, GivenRowException Error);

    private QualifiedName? Resolve(QualifiedName name) => workspace.Catalog.Find(name)?.Name;

    private CandidateBuilder Values(string transformation)
    {
        var t = workspace.FindTransformation(transformation);
        CodeFacts facts;
        try { facts = t is null ? new CodeFacts() : CodeFacts.Collect(workspace, t); }
        catch (Exception e) when (e is not OperationCanceledException) { facts = new CodeFacts(); }
        return new CandidateBuilder(workspace.Catalog, facts, t?.Transformation.Parameters ?? Array.Empty<ParameterDef>(), Today);
    }

    /// <summary>Inserts the given rows (parents first) into a fresh sandbox; the first row refused, or null when all go in.</summary>
    private async Task<Refusal?> ProbeAsync(ISandboxFactory factory, List<Given> model, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CaseTimeout);
        var order = new TestRunner(workspace, createFactory).OrderForInsert(model.Select(g => new GivenTable(g.Table, Array.Empty<TestRow>())).ToList());
        await using var sandbox = await factory.CreateAsync(timeout.Token).ConfigureAwait(false);
        foreach (var table in order)
        {
            var g = model.First(x => x.Table == table.Table);
            if (g.Rows.Count == 0) continue;
            try { await sandbox.InsertRowsAsync(g.Table, g.Rows.Select(r => r.Values).ToList(), timeout.Token).ConfigureAwait(false); }
            catch (GivenRowException e) { return new Refusal(g, e.RowIndex, e); }
        }
        return null;
    }

    /// <summary>The value a "~ … [Column] old → new (why)" note wrote.</summary>
    private static readonly Regex NewValue = new(@" → (.+?) \(", RegexOptions.CultureInvariant);

    private static readonly Regex ColumnInMessage = new(@"column '([^']+)'", RegexOptions.CultureInvariant);
    private static readonly Regex ConstraintInMessage = new(@"constraint ""([^""]+)""", RegexOptions.CultureInvariant);
    private static readonly Regex KeyInMessage = new(@"constraint '([^']+)'", RegexOptions.CultureInvariant);

    /// <summary>One edit for the refused row; false when none fits the error.</summary>
    private async Task<bool> FixAsync(Refusal refused, List<Given> model, GivenRowsEditor editor, YamlDotNet.RepresentationModel.YamlMappingNode caseNode,
        CandidateBuilder values, List<string> notes, ISandboxFactory factory, CancellationToken cancellationToken)
    {
        if (refused.Error.Error is not { } error || workspace.Catalog.Find(refused.Table.Table) is not { } def) return false;
        var row = refused.Table.Rows[refused.Index];
        var where = $"{def.Name} row {refused.Index + 1}";
        switch (error.Number)
        {
            case 515:
            {
                if (ColumnInMessage.Match(error.Message) is not { Success: true } m || def.FindColumn(m.Groups[1].Value) is not { } column) return false;
                if (column.Default is not null && row.Node is not null && row.Values.ContainsKey(column.Name))
                {
                    row.Values.Remove(column.Name);
                    editor.Remove(row.Node, column.Name);
                    notes.Add($"~ {where}: [{column.Name}] NULL left out, so its default {column.Default} fills it (NOT NULL)");
                    return true;
                }
                var value = Representative(refused.Table, row, def, column, values);
                if (value is null || row.Node is null) return false;
                row.Values[column.Name] = value;
                editor.Set(row.Node, column.Name, value, column.Type);
                notes.Add($"~ {where}: [{column.Name}] NULL → {TestValues.Format(value, column.Type).Text} (NOT NULL)");
                return true;
            }
            case 547 when error.Message.Contains("FOREIGN KEY", StringComparison.Ordinal):
                return AddParent(refused, def, row, model, editor, caseNode, values, notes, error.Message);
            case 547:
                return await SatisfyCheckAsync(refused, def, row, model, editor, values, notes, factory, error.Message, cancellationToken).ConfigureAwait(false);
            case 2627 or 2601:
            {
                if (row.Node is null) return false;
                refused.Table.Rows.RemoveAt(refused.Index);
                editor.Delete(row.Node);
                var key = KeyInMessage.Match(error.Message) is { Success: true } k ? k.Groups[1].Value : "a key";
                notes.Add($"- {where}: {GivenRowsEditor.Row(row.Values.ToList(), def)} (a duplicate of {key})");
                return true;
            }
            default:
                return Narrowed(refused, def, row, editor, values, notes);
        }
    }
}
