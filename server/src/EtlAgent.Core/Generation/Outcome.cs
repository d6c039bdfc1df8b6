using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Generation;

/// <summary>What a run of a candidate left behind: the error it raised and the rows of the tables the code writes.</summary>
public sealed record Outcome(SandboxError? Error, IReadOnlyList<(QualifiedName Table, IReadOnlyList<SandboxRow> Rows)> Tables, string Signature)
{
    /// <summary>Why the candidate could not be run at all (rows the schema refuses, an unsupported construct); null when it ran.</summary>
    public string? Failure { get; init; }

    /// <summary>What the call printed (PRINT, RAISERROR of severity 10 or less), in order.</summary>
    public IReadOnlyList<string> Messages { get; init; } = Array.Empty<string>();

    /// <summary>How long the run took (mutants of the same input get a timeout from it, <see cref="Mutation.MutantTimeout"/>).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The first result set, when the recorder records it (views, functions, procedures that write no table).</summary>
    public ResultSet? Result { get; init; }

    /// <summary>What the OUTPUT parameters held when the call returned (none when an error ended it).</summary>
    public IReadOnlyDictionary<string, object?> Outputs { get; init; } = new Dictionary<string, object?>();

    /// <summary>The status the procedure returned, when the recorder records it (<see cref="OutcomeRecorder.RecordsReturn"/>) and no error ended the call.</summary>
    public int? ReturnValue { get; init; }

    /// <summary>The statements the run reached (null when the sandbox does not say).</summary>
    public IReadOnlySet<(string File, int Offset)>? Covered { get; init; }

    /// <summary>The errors CATCH blocks handled during the call that cut their TRY block short, in order.</summary>
    public IReadOnlyList<SandboxError> Caught { get; init; } = Array.Empty<SandboxError>();

    /// <summary>Tables the code may drop (<see cref="OutcomeRecorder.Droppable"/>) that no longer exist after the call.</summary>
    public IReadOnlyList<QualifiedName> Dropped { get; init; } = Array.Empty<QualifiedName>();

    /// <summary>
    /// The error that took the call off its normal path: the one that ended it, else the first a CATCH
    /// block handled (a load whose TRY fails and whose CATCH logs and swallows the error has not run).
    /// </summary>
    public SandboxError? Failed => Error ?? (Caught.Count > 0 ? Caught[0] : null);
}

/// <summary>Runs a candidate in a fresh sandbox and records its outcome.</summary>
/// <param name="recordResult">Record the first result set too (what a view or function returns).</param>
public sealed class OutcomeRecorder(SchemaCatalog catalog, IReadOnlyList<QualifiedName> written, DateTime clock, bool recordResult = false)
{
    public IReadOnlyList<QualifiedName> Written { get; } = written;

    public bool RecordsResult { get; } = recordResult;

    /// <summary>Record the status the procedure RETURNs (only for code that returns one: every other call returns 0).</summary>
    public bool RecordsReturn { get; init; }

    /// <summary>Tables the code drops (<see cref="CodeFacts.Dropped"/>): whether each still exists is recorded.</summary>
    public IReadOnlyList<QualifiedName> Droppable { get; init; } = Array.Empty<QualifiedName>();

    /// <summary>The tables of the catalog the code drops, whose existence after the call a case records.</summary>
    public static IReadOnlyList<QualifiedName> DroppableOf(CodeFacts facts, SchemaCatalog catalog) =>
        facts.Dropped.Where(d => catalog.Find(d) is { Kind: TableKind.Table }).OrderBy(d => d).ToList();

    /// <summary>
    /// Whether what a transformation returns is part of its behaviour: views and functions, a
    /// procedure that writes no table, a script (its SELECTs are what it reports to whoever runs it),
    /// and a procedure that writes tables and also SELECTs rows for its caller (the row it just
    /// inserted, a summary): a change to that SELECT shows in no written table.
    /// </summary>
    public static bool ResultMatters(Model.Transformation t, int tablesWritten) =>
        t.Kind is Model.TransformationKind.View or Model.TransformationKind.Function or Model.TransformationKind.Script || tablesWritten == 0 || t.ReturnsRows;

    /// <summary>The columns compared: all but identity, sequence and NEWID columns.</summary>
    public IReadOnlyList<string> ComparedColumns(QualifiedName table) =>
        catalog.Find(table) is { } def
            ? def.Columns.Where(c => !c.Identity && c.Sequence is null && c.Type.Name is not ("rowversion" or "timestamp")
                                     && !(c.Default?.Contains("NEWID", StringComparison.OrdinalIgnoreCase) ?? false)
                                     && !(c.Type.Name == "uniqueidentifier" && c.Default is not null)).Select(c => c.Name).ToList()
            : Array.Empty<string>();

    public async Task<Outcome> RunAsync(ISandboxFactory factory, Scenario s, TimeSpan timeout, string transformation, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await using var sandbox = await factory.CreateAsync(cts.Token);
            foreach (var (table, rows) in s.Tables)
                if (rows.Count > 0) await sandbox.InsertRowsAsync(table, rows.Select(r => new SandboxRow(r)).ToList(), cts.Token);
            var result = await sandbox.ExecuteAsync(new ExecutionRequest(transformation,
                s.Arguments.ToDictionary(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase), clock, InTransaction: s.InTransaction), cts.Token);
            var tables = new List<(QualifiedName, IReadOnlyList<SandboxRow>)>();
            foreach (var t in Written) tables.Add((t, await sandbox.ReadTableAsync(t, cts.Token)));
            var set = recordResult ? result.ResultSets.FirstOrDefault() : null;   // none: nothing returned to expect
            var signature = Sign(result.Error, tables) + (set is null ? "" : "\nresult=" + string.Join(";", set.Rows
                .Select(r => string.Join(",", set.Columns.Select(c => Norm(r.GetValueOrDefault(c), null)))).OrderBy(x => x, StringComparer.Ordinal)))
                // what the call printed is behaviour too (the counts a load reports to its job log)
                + (result.Messages.Count == 0 ? "" : "\nmessages=" + string.Join("\n", result.Messages.Select(m => m.TrimEnd().ToUpperInvariant())))
                // what the OUTPUT parameters answer is behaviour too (an id looked up or created, a row count)
                + (result.OutputParameters.Count == 0 ? "" : "\noutputs=" + string.Join(";", result.OutputParameters.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
                    .Select(p => p.Key.ToUpperInvariant() + "=" + Norm(p.Value, null))));
            int? status = RecordsReturn && result.Error is null ? result.ReturnValue : null;
            if (status is { } rv) signature += "\nreturn=" + rv.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var dropped = new List<QualifiedName>();
            foreach (var t in Droppable)
                if (!await sandbox.TableExistsAsync(t, cts.Token)) dropped.Add(t);
            if (dropped.Count > 0) signature += "\ndropped=" + string.Join(",", dropped);
            return new Outcome(result.Error, tables, signature) { Covered = result.Covered, Caught = result.Caught, Result = set, Elapsed = watch.Elapsed, Messages = result.Messages, Outputs = result.OutputParameters, ReturnValue = status, Dropped = dropped };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(null, Array.Empty<(QualifiedName, IReadOnlyList<SandboxRow>)>(), "timeout") { Failure = "timeout" };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new Outcome(null, Array.Empty<(QualifiedName, IReadOnlyList<SandboxRow>)>(), "failure") { Failure = e.Message };
        }
    }

    /// <summary>
    /// Error numbers the code raises itself (RAISERROR, THROW): their severity and state are the code's
    /// choice, part of its behaviour and of the expectation; a system error's are the server's.
    /// </summary>
    public const int UserErrors = 50000;

    private string Sign(SandboxError? error, IEnumerable<(QualifiedName Table, IReadOnlyList<SandboxRow> Rows)> tables)
    {
        var parts = new List<string> { error is null ? "ok" : error.Number >= UserErrors ? $"error {error.Number} severity {error.Severity} state {error.State}" : $"error {error.Number}" };
        foreach (var (table, rows) in tables)
        {
            var columns = ComparedColumns(table);
            var def = catalog.Find(table);
            parts.Add(table + "=" + string.Join(";", rows.Select(r => string.Join(",", columns.Select(c => Norm(r.GetValueOrDefault(c), def?.FindColumn(c)?.Type)))).OrderBy(x => x, StringComparer.Ordinal)));
        }
        return string.Join("\n", parts);
    }

    private static string Norm(object? v, SqlType? type) => v switch
    {
        null => "NULL",
        string s => s.TrimEnd().ToUpperInvariant(),
        decimal d => d.ToString("0.##########", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => TestValues.Format(v, type).Text,
    };
}
