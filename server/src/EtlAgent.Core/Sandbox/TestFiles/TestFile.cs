using EtlAgent.Core.Model;

namespace EtlAgent.Core.Sandbox.TestFiles;

/// <summary>
/// A `*.etltest.yaml` file: declarative data for one transformation — given rows per table, the
/// call, and what to expect. Values are typed by the catalog (see <see cref="TestValues"/>).
/// <see cref="TestFileWriter"/> writes it back without loss, keys in a fixed order.
/// </summary>
public sealed record TestFile(
    /// <summary>Workspace-relative path with '/' separators.</summary>
    string Path,
    /// <summary>Procedure, view or function name ("Dim.LoadCustomer"), or a script's workspace-relative path.</summary>
    string Transformation,
    bool EnforceForeignKeys,
    IReadOnlyList<TestCase> Cases,
    int Line = 1)
{
    public const string Extension = ".etltest.yaml";

    /// <summary>Properties every case must keep (`invariants:`); empty when the file has none.</summary>
    public IReadOnlyList<Invariant> Invariants { get; init; } = Array.Empty<Invariant>();

    public static bool IsTestFile(string path) => path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);
}

/// <summary>One case: the rows tables start with (tables not listed start empty), the call, the expectations.</summary>
public sealed record TestCase(
    string Name,
    DateTime? Clock,
    IReadOnlyList<GivenTable> Given,
    /// <summary>Parameter name (with @) → typed value, in the order written.</summary>
    IReadOnlyList<KeyValuePair<string, object?>> Call,
    TestExpectations Expect,
    int Line = 0)
{
    /// <summary>
    /// The caller has a transaction open when it calls (`in_transaction: true`): @@TRANCOUNT is 1 at
    /// entry, and after the call the caller commits what is still open (rolls back a doomed transaction).
    /// </summary>
    public bool InTransaction { get; init; }
}

/// <summary>Rows inserted into one table before the call.</summary>
public sealed record GivenTable(QualifiedName Table, IReadOnlyList<TestRow> Rows, int Line = 0);

/// <summary>One row: column → typed value, in the order written. Omitted columns get their default.</summary>
public sealed record TestRow(IReadOnlyList<KeyValuePair<string, object?>> Cells, int Line = 0, int Column = 0)
{
    public object? this[string column] =>
        Cells.FirstOrDefault(c => string.Equals(c.Key, column, StringComparison.OrdinalIgnoreCase)).Value;

    public bool Has(string column) => Cells.Any(c => string.Equals(c.Key, column, StringComparison.OrdinalIgnoreCase));

    public SandboxRow ToSandboxRow() => new(Cells);
}

public enum MatchMode
{
    /// <summary>The table (projected on the compared columns) holds exactly these rows, as a multiset.</summary>
    Exact,
    /// <summary>The table holds at least these rows (each expected row matched by a distinct actual row).</summary>
    Contains,
}

/// <summary>
/// Expected rows of a table, or of the first result set (<see cref="Table"/> null). Compared columns:
/// <see cref="Columns"/> when given, otherwise every column the rows name.
/// </summary>
public sealed record RowsExpectation(
    QualifiedName? Table,
    IReadOnlyList<string>? Columns,
    MatchMode Match,
    IReadOnlyList<TestRow> Rows,
    int Line = 0)
{
    /// <summary>The columns compared: the explicit list, or the union of the rows' columns in first-seen order.</summary>
    public IReadOnlyList<string> ComparedColumns =>
        Columns ?? Rows.SelectMany(r => r.Cells.Select(c => c.Key)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
}

public sealed record RowCountExpectation(QualifiedName Table, long Count, int Line = 0);

/// <summary>
/// The call must raise an error with this number and/or a message containing this text, and, when
/// given, this severity and state (what a caller's CATCH reads through ERROR_SEVERITY and ERROR_STATE).
/// </summary>
public sealed record ErrorExpectation(int? Number, string? MessageContains, int Line = 0)
{
    public int? Severity { get; init; }
    public int? State { get; init; }

    public bool Matches(SandboxError error) =>
        (Number is null || Number == error.Number) &&
        (MessageContains is null || error.Message.Contains(MessageContains, StringComparison.OrdinalIgnoreCase)) &&
        (Severity is null || Severity == error.Severity) &&
        (State is null || State == error.State);

    public override string ToString() =>
        string.Join(" ", new[]
        {
            Number is null ? null : $"error {Number}",
            MessageContains is null ? null : $"with a message containing \"{MessageContains}\"",
            Severity is null ? null : $"severity {Severity}",
            State is null ? null : $"state {State}",
        }.Where(s => s is not null)) is { Length: > 0 } s ? s : "an error";
}

public sealed record TestExpectations(
    IReadOnlyList<RowsExpectation> Tables,
    IReadOnlyList<RowCountExpectation> RowCounts,
    ErrorExpectation? Error,
    RowsExpectation? Result,
    MessagesExpectation? Messages = null,
    OutputsExpectation? Outputs = null,
    ReturnExpectation? Return = null)
{
    public static TestExpectations None { get; } = new(Array.Empty<RowsExpectation>(), Array.Empty<RowCountExpectation>(), null, null);

    /// <summary>Tables the call must have dropped (`dropped: [Stg.Orders]`): a staging table dropped once it is loaded.</summary>
    public IReadOnlyList<DroppedExpectation> Dropped { get; init; } = Array.Empty<DroppedExpectation>();

    public bool IsEmpty => Tables.Count == 0 && RowCounts.Count == 0 && Error is null && Result is null && Messages is null && Outputs is null && Return is null && Dropped.Count == 0;
}

/// <summary>A table that no longer exists after the call.</summary>
public sealed record DroppedExpectation(QualifiedName Table, int Line = 0);

/// <summary>
/// Values the call's OUTPUT parameters must hold when it returns (`outputs: {"@RowCount": 2}`): what a
/// procedure answers through them (an id it looked up or created, a row count) is behaviour like its rows.
/// </summary>
public sealed record OutputsExpectation(IReadOnlyList<KeyValuePair<string, object?>> Values, int Line = 0);

/// <summary>The value the procedure must RETURN (`return: 0`): a status code its callers branch on.</summary>
public sealed record ReturnExpectation(int Value, int Line = 0);

/// <summary>
/// Messages the call must print (PRINT, RAISERROR of severity 10 or less — what a job log shows), in
/// this order, others allowed in between; compared case-insensitively, trailing spaces ignored.
/// </summary>
public sealed record MessagesExpectation(IReadOnlyList<string> Messages, int Line = 0);

/// <summary>A problem in a test file, placed at a 1-based line and column.</summary>
public sealed record TestFileError(string File, int Line, int Column, string Message)
{
    /// <summary>Set when the problem is the file falling behind the schema (an update can fix it).</summary>
    public SchemaChange? Drift { get; init; }

    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>What loading a test file gives: the file (null when it could not be read at all) and every problem found.</summary>
public sealed record TestFileLoadResult(TestFile? File, IReadOnlyList<TestFileError> Errors)
{
    public bool Success => File is not null && Errors.Count == 0;
}
