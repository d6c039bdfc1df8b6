using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.Sandbox;

/// <summary>
/// A row as the sandbox sees it: column name (case-insensitive) → value. Values are .NET
/// objects typed by the column: long/int/short/byte, decimal, double/float, string, bool,
/// DateTime (date, datetime, datetime2, smalldatetime), DateTimeOffset, TimeSpan (time), Guid,
/// byte[]; null for SQL NULL.
/// </summary>
public sealed class SandboxRow : Dictionary<string, object?>
{
    public SandboxRow() : base(StringComparer.OrdinalIgnoreCase) { }
    public SandboxRow(IEnumerable<KeyValuePair<string, object?>> values) : base(values, StringComparer.OrdinalIgnoreCase) { }
}

/// <summary>Everything a sandbox needs to build a database that behaves like the workspace's.</summary>
public sealed record SandboxSetup(
    WorkspaceAnalysis Workspace,
    /// <summary>Create FOREIGN KEY constraints (a test file can switch them off).</summary>
    bool EnforceForeignKeys = true,
    /// <summary>The one transformation whose runs these sandboxes serve, when known (generation, mutation):
    /// the embedded sandbox reuses database instances when nothing it can reach needs a fresh one.</summary>
    string? Serves = null);

/// <summary>What to run: a procedure with arguments, a view or function to query, or a script file.</summary>
public sealed record ExecutionRequest(
    string Transformation,
    /// <summary>Parameter name (with @) → value; OUTPUT parameters come back in <see cref="ExecutionResult.OutputParameters"/>.</summary>
    IReadOnlyDictionary<string, object?> Arguments,
    /// <summary>The frozen clock for GETDATE/SYSDATETIME/CURRENT_TIMESTAMP/SYSUTCDATETIME (null: a fixed default).</summary>
    DateTime? Clock = null,
    /// <summary>Seed for NEWID() so runs are repeatable.</summary>
    int Seed = 0,
    /// <summary>Called inside the caller's open transaction (@@TRANCOUNT 1 at entry; the caller commits what is open after it, or rolls back a doomed one).</summary>
    bool InTransaction = false);

/// <summary>An error raised while running, as SQL Server would report it, placed in the source.</summary>
public sealed record SandboxError(int Number, string Message, int Severity, int State, Location? Location, string? Statement)
{
    /// <summary>
    /// Raised inside dynamic SQL: the line within the executed text (what ERROR_LINE() says), while
    /// <see cref="Location"/> is the EXEC or sp_executesql statement of the source that ran it.
    /// </summary>
    public int? DynamicLine { get; init; }

    public override string ToString() => $"Msg {Number}, Level {Severity}, State {State}{(Location is null ? "" : $", {Location}")}: {Message}";
}

/// <summary>
/// A given row could not be inserted: <see cref="RowIndex"/> is its position in the list passed to
/// InsertRowsAsync, so the caller can point at the row's place in the test file. <see cref="Error"/>
/// is the error SQL Server would raise (547, 2627, 515, 245…); <see cref="Construct"/> is set instead
/// when the sandbox cannot hold the row's values exactly.
/// </summary>
public sealed class GivenRowException(QualifiedName table, int rowIndex, SandboxError? error, string? construct, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public QualifiedName Table { get; } = table;
    public int RowIndex { get; } = rowIndex;
    public SandboxError? Error { get; } = error;
    public string? Construct { get; } = construct;
}

public sealed record ResultSet(IReadOnlyList<string> Columns, IReadOnlyList<SandboxRow> Rows);

public sealed record ExecutionResult(
    /// <summary>The uncaught error that ended the call, if any.</summary>
    SandboxError? Error,
    IReadOnlyList<ResultSet> ResultSets,
    IReadOnlyList<string> Messages,
    int? ReturnValue,
    IReadOnlyDictionary<string, object?> OutputParameters,
    TimeSpan Elapsed)
{
    /// <summary>The statements that ran (document path, start offset), when the sandbox tracks them (the embedded one does); null: unknown.</summary>
    public IReadOnlySet<(string File, int Offset)>? Covered { get; init; }

    /// <summary>
    /// The errors CATCH blocks handled during the call that cut their TRY block short, in order, when the
    /// sandbox tracks them (the embedded one does; empty otherwise).
    /// </summary>
    public IReadOnlyList<SandboxError> Caught { get; init; } = Array.Empty<SandboxError>();
}

/// <summary>
/// One isolated database for one test case. Implementations: the embedded DuckDB sandbox (default)
/// and the SQL Server sandbox (a transaction that is always rolled back). A sandbox writes only to
/// itself; disposing it discards everything.
/// </summary>
public interface ISandbox : IAsyncDisposable
{
    /// <summary>Inserts rows as given (identity and sequence columns the rows omit are generated).</summary>
    Task InsertRowsAsync(QualifiedName table, IReadOnlyList<SandboxRow> rows, CancellationToken cancellationToken = default);

    Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Every row of a table or view, columns in catalog order.</summary>
    Task<IReadOnlyList<SandboxRow>> ReadTableAsync(QualifiedName table, CancellationToken cancellationToken = default);

    /// <summary>Whether the table still exists (the code may have dropped it: a staging table dropped once loaded).</summary>
    Task<bool> TableExistsAsync(QualifiedName table, CancellationToken cancellationToken = default);
}

/// <summary>Creates sandboxes for one workspace; may cache what is shared across cases (schema script, translations).</summary>
public interface ISandboxFactory : IAsyncDisposable
{
    string Name { get; }

    Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default);
}
