using EtlAgent.Core.WorkspaceModel;
using System.Diagnostics;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Sandbox.Runner;

/// <summary>
/// Runs test cases in sandboxes: for each case a fresh sandbox, the given rows inserted (parents
/// before children when foreign keys link them), the transformation executed with the case's
/// clock and arguments, then every expectation checked. A case never sees another's data.
/// A sandbox problem fails that case (outcome Error), never the run.
/// </summary>
public sealed class TestRunner
{
    private readonly WorkspaceAnalysis _workspace;
    private readonly Func<SandboxSetup, ISandboxFactory> _createFactory;

    /// <param name="createFactory">
    /// A sandbox factory for a setup; called once per distinct setup (test files can switch foreign
    /// keys off), and every factory is disposed when the run ends.
    /// </param>
    public TestRunner(WorkspaceAnalysis workspace, Func<SandboxSetup, ISandboxFactory> createFactory)
    {
        _workspace = workspace;
        _createFactory = createFactory;
    }

    /// <summary>A case still running after this long is stopped and fails as an Error (a WHILE loop that never ends must not hang CI).</summary>
    public TimeSpan CaseTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public async Task<TestRunResult> RunAsync(
        IReadOnlyList<TestFile> files,
        Func<TestFile, TestCase, bool>? filter = null,
        IProgress<TestCaseResult>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        var factories = new Dictionary<(bool, string), ISandboxFactory>();
        var results = new List<TestCaseResult>();
        string sandboxName = "";
        try
        {
            foreach (var file in files)
            {
                foreach (var c in file.Cases)
                {
                    if (filter is not null && !filter(file, c)) continue;
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!factories.TryGetValue((file.EnforceForeignKeys, file.Transformation), out var factory))
                        factories[(file.EnforceForeignKeys, file.Transformation)] = factory = _createFactory(new SandboxSetup(_workspace, file.EnforceForeignKeys, file.Transformation));
                    sandboxName = factory.Name;
                    var result = await RunCaseAsync(factory, file, c, cancellationToken);
                    results.Add(result);
                    progress?.Report(result);
                }
            }
        }
        finally
        {
            foreach (var f in factories.Values) await f.DisposeAsync();
        }
        return new TestRunResult(results, sandboxName, total.Elapsed);
    }

    public Task<TestCaseResult> RunCaseAsync(ISandboxFactory factory, TestFile file, TestCase c, CancellationToken runCancellation = default) =>
        RunCaseAsync(factory, file, c, CaseTimeout, runCancellation);

    /// <param name="caseTimeout">This case's timeout instead of <see cref="CaseTimeout"/> (a mutant's, from the original's time).</param>
    public async Task<TestCaseResult> RunCaseAsync(ISandboxFactory factory, TestFile file, TestCase c, TimeSpan caseTimeout, CancellationToken runCancellation = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(runCancellation);
        timeout.CancelAfter(caseTimeout);
        var cancellationToken = timeout.Token;
        var watch = Stopwatch.StartNew();
        var failures = new List<TestFailure>();
        IReadOnlyList<string> messages = Array.Empty<string>();
        IReadOnlySet<(string, int)>? covered = null;
        SandboxError? raised = null;
        var catalog = _workspace.For(file.Transformation).Catalog;
        string stage = "creating the sandbox";
        try
        {
            await using var sandbox = await factory.CreateAsync(cancellationToken);
            foreach (var given in OrderForInsert(c.Given, file.Transformation))
            {
                stage = $"inserting the given rows of {given.Table}";
                if (given.Rows.Count > 0)
                    await sandbox.InsertRowsAsync(given.Table, given.Rows.Select(r => r.ToSandboxRow()).ToList(), cancellationToken);
            }

            // invariants that hold on the given rows must still hold after the call
            var kept = new List<Invariant>();
            foreach (var invariant in file.Invariants)
            {
                stage = $"checking {invariant} before the call";
                if (await ViolationAsync(sandbox, file, invariant, cancellationToken) is null) kept.Add(invariant);
            }

            stage = $"running {file.Transformation}";
            var request = new ExecutionRequest(file.Transformation, c.Call.ToDictionary(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase), c.Clock, InTransaction: c.InTransaction);
            var execution = await sandbox.ExecuteAsync(request, cancellationToken);
            messages = execution.Messages;
            covered = execution.Covered;
            raised = execution.Error;
            CheckError(c, execution.Error, failures);

            foreach (var expectation in c.Expect.Tables)
            {
                stage = $"reading {expectation.Table}";
                var table = expectation.Table!.Value;
                var rows = await sandbox.ReadTableAsync(table, cancellationToken);
                var shape = catalog.Find(table);
                Check(expectation, rows, column => shape?.FindColumn(column)?.Type, failures);
            }
            foreach (var gone in c.Expect.Dropped)
            {
                stage = $"looking for {gone.Table}";
                if (await sandbox.TableExistsAsync(gone.Table, cancellationToken)) failures.Add(new TableNotDropped(gone.Table) { Line = gone.Line });
            }
            foreach (var count in c.Expect.RowCounts)
            {
                stage = $"reading {count.Table}";
                var rows = await sandbox.ReadTableAsync(count.Table, cancellationToken);
                if (rows.Count != count.Count) failures.Add(new RowCountMismatch(count.Table, count.Count, rows.Count) { Line = count.Line });
            }
            if (c.Expect.Result is { } result) CheckResult(file, result, execution, failures);
            if (c.Expect.Outputs is { } outputs) CheckOutputs(file, outputs, execution, failures);
            if (c.Expect.Return is { } returned && execution.ReturnValue != returned.Value)
                failures.Add(new ReturnMismatch(returned.Value, execution.ReturnValue) { Line = returned.Line });
            if (c.Expect.Messages is { } expectedMessages && MessagesMismatch.Find(expectedMessages, execution.Messages) is { } mismatch)
                failures.Add(mismatch);
            foreach (var invariant in kept)
            {
                stage = $"checking {invariant}";
                if (await ViolationAsync(sandbox, file, invariant, cancellationToken) is { } detail)
                    failures.Add(new InvariantViolation(invariant, detail) { Line = invariant.Line });
            }
        }
        catch (GivenRowException e)
        {
            // Point at the row in the test file: its line, and the SQL Server error or the refusal.
            var row = c.Given.FirstOrDefault(g => g.Table == e.Table)?.Rows.ElementAtOrDefault(e.RowIndex);
            int line = row?.Line > 0 ? row.Line : c.Line;
            var at = new Location(file.Path, new TextRange(0, 0, new LinePosition(line - 1, Math.Max(0, (row?.Column ?? 1) - 1)), new LinePosition(line - 1, Math.Max(0, (row?.Column ?? 1) - 1))));
            failures.Add(new SandboxFailure($"{at}: given row {e.RowIndex + 1} of {e.Table}: {e.Message}", e.Construct, at) { Line = line });
        }
        catch (UnsupportedConstructException e)
        {
            failures.Add(new SandboxFailure(e.Message, e.Construct, e.Location) { Line = c.Line });
        }
        catch (OperationCanceledException) when (!runCancellation.IsCancellationRequested && timeout.IsCancellationRequested)
        {
            failures.Add(new SandboxFailure($"timed out after {caseTimeout.TotalSeconds:0.#} s while {stage}") { Line = c.Line });
        }
        catch (InternalErrorException e)
        {
            failures.Add(new SandboxFailure(e.Message, null, e.Location) { Line = c.Line, Cause = e });
        }
        catch (Exception e) when (InternalErrorException.IsDefect(e))
        {
            // a defect of the tool: its name and the case here, the .NET exception for the log
            var error = new InternalErrorException($"test case \"{c.Name}\" of {file.Transformation}", stage, null, e);
            failures.Add(new SandboxFailure(error.Message) { Line = c.Line, Cause = error });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failures.Add(new SandboxFailure($"the sandbox failed while {stage}: {e.Message}") { Line = c.Line });
        }

        var outcome = failures.Count == 0 ? TestOutcome.Passed
            : failures.Any(f => f is SandboxFailure) ? TestOutcome.Error
            : TestOutcome.Failed;
        return new TestCaseResult(file, c, outcome, failures, watch.Elapsed, messages, raised) { Covered = covered };
    }

    private async Task<string?> ViolationAsync(ISandbox sandbox, TestFile file, Invariant invariant, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<QualifiedName, IReadOnlyList<SandboxRow>>();
        foreach (var t in invariant.Tables) rows[t] = await sandbox.ReadTableAsync(t, cancellationToken);
        var catalog = _workspace.For(file.Transformation).Catalog;
        return invariant.Violation(t => rows[t], (t, c) => catalog.Find(t)?.FindColumn(c)?.Type);
    }

    private static void CheckError(TestCase c, SandboxError? actual, List<TestFailure> failures)
    {
        var expected = c.Expect.Error;
        if (expected is null)
        {
            if (actual is not null) failures.Add(new ErrorMismatch(null, actual) { Line = c.Line });
        }
        else if (actual is null || !expected.Matches(actual))
        {
            failures.Add(new ErrorMismatch(expected, actual) { Line = expected.Line });
        }
    }

    private static void Check(RowsExpectation expectation, IReadOnlyList<SandboxRow> actual, Func<string, SqlType?> typeOf, List<TestFailure> failures)
    {
        var columns = expectation.ComparedColumns;
        // `rows: []` names no column: rows found anyway are shown whole, like any other mismatch
        if (columns.Count == 0 && actual.Count > 0) columns = actual[0].Keys.ToList();
        var diff = RowComparison.Compare(expectation.Rows, actual, columns, typeOf);
        bool failed = expectation.Match == MatchMode.Exact ? diff.Missing.Count > 0 || diff.Unexpected.Count > 0 : diff.Missing.Count > 0;
        if (failed) failures.Add(new RowsMismatch(expectation.Table, expectation.Match, diff) { Line = expectation.Line });
    }

    /// <summary>Each OUTPUT parameter the case names holds its value after the call (an error that ends the call sets none).</summary>
    private void CheckOutputs(TestFile file, OutputsExpectation expectation, ExecutionResult execution, List<TestFailure> failures)
    {
        var parameters = _workspace.FindTransformation(file.Transformation)?.Transformation.Parameters;
        foreach (var (name, expected) in expectation.Values)
        {
            bool returned = execution.OutputParameters.TryGetValue(name, out var actual);
            var type = parameters?.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Type;
            if (!returned || !RowComparison.ValuesEqual(expected, actual, type))
                failures.Add(new OutputMismatch(name, expected, returned ? actual : null, returned) { Line = expectation.Line });
        }
    }

    private void CheckResult(TestFile file, RowsExpectation expectation, ExecutionResult execution, List<TestFailure> failures)
    {
        if (execution.ResultSets.Count == 0)
        {
            if (execution.Error is null)
                failures.Add(new ResultShapeMismatch($"{file.Transformation} returned no result set") { Line = expectation.Line });
            return;
        }
        var set = execution.ResultSets[0];
        var missingColumns = expectation.ComparedColumns.Where(c => !set.Columns.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missingColumns.Count > 0)
        {
            failures.Add(new ResultShapeMismatch(
                $"the result has no column {string.Join(", ", missingColumns.Select(c => $"'{c}'"))}; its columns: {string.Join(", ", set.Columns)}") { Line = expectation.Line });
            return;
        }
        TableDef? shape = file.Transformation.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) ? null
            : _workspace.For(file.Transformation).Catalog.Find(QualifiedName.Parse(file.Transformation));
        Check(expectation, set.Rows, column => shape?.FindColumn(column)?.Type, failures);
    }

    /// <summary>Given tables in an order that satisfies foreign keys among them (referenced first); the written order otherwise.</summary>
    internal IReadOnlyList<GivenTable> OrderForInsert(IReadOnlyList<GivenTable> given, string? transformation = null)
    {
        var catalog = _workspace.For(transformation).Catalog;
        var pending = given.ToList();
        var ordered = new List<GivenTable>();
        var placed = new HashSet<QualifiedName>();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(g => ReferencedAmong(catalog, g.Table, pending).All(placed.Contains)) ?? pending[0];
            ordered.Add(next);
            placed.Add(next.Table);
            pending.Remove(next);
        }
        return ordered;
    }

    private static IEnumerable<QualifiedName> ReferencedAmong(SchemaCatalog catalog, QualifiedName table, List<GivenTable> pending) =>
        (catalog.Find(table)?.ForeignKeys ?? Array.Empty<ForeignKeyDef>())
            .Select(fk => fk.ReferencedTable)
            .Where(r => r != table && pending.Any(p => p.Table == r));
}
