using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Translation;

/// <summary>A variable as the translator sees it: its declared type, and either its value (inlined
/// as a typed literal) or SQL that stands for it (a macro parameter, an inlined function argument).</summary>
public sealed record VariableInfo(SqlType Type, object? Value, string? Sql = null);

/// <summary>A #temp table or table variable: its physical DuckDB name and its columns.</summary>
public sealed record LocalTable(string PhysicalName, IReadOnlyList<ColumnDef> Columns);

/// <summary>What the translator needs from the world outside the statement: catalog, variables,
/// local tables, the clock, NEWID, and the interpreter for things only it can answer.</summary>
public sealed class TranslationEnv
{
    public required SchemaCatalog Catalog { get; init; }
    /// <summary>Called for every catalog table or view a statement refers to (the sandbox creates it on first use).</summary>
    public Action<QualifiedName>? Referenced { get; set; }
    public SqlDocument? Document { get; set; }
    public Func<string, VariableInfo?> Variable { get; set; } = _ => null;
    public Func<string, LocalTable?> LocalTable { get; set; } = _ => null;
    /// <summary>SET IDENTITY_INSERT is ON for the table of this physical name (as a DML target names it).</summary>
    public Func<string, bool> IdentityInsert { get; set; } = _ => false;
    public DateTime Clock { get; set; } = new(2000, 1, 1);
    /// <summary>When set, GETDATE()/SYSDATETIME()… translate to this SQL (a view reads the clock of the call).</summary>
    public string? ClockSql { get; set; }
    /// <summary>Why a catalog object is missing from the sandbox (a view that could not be translated), or null.</summary>
    public Func<QualifiedName, Exception?> ObjectProblem { get; set; } = _ => null;
    /// <summary>SET ANSI_NULLS OFF is in effect for the statement (SqlTranslator.AnsiNullsOff).</summary>
    public bool AnsiNullsOff { get; init; }
    /// <summary>Seed for NEWID(): values are md5(seed-counter), repeatable per run.</summary>
    public int Seed { get; set; }
    /// <summary>@@ROWCOUNT, @@ERROR, @@TRANCOUNT, ERROR_NUMBER … as values (null: not known here).</summary>
    public Func<string, (object? Value, SqlType Type)?> Intrinsic { get; set; } = _ => null;
    /// <summary>A user function by name, or null.</summary>
    public Func<QualifiedName, FunctionStatementBody?> Function { get; set; } = _ => null;
    /// <summary>A procedure's or function's syntax by name, for the catalog views of modules and parameters (null: not known here).</summary>
    public Func<QualifiedName, ProcedureStatementBodyBase?>? Module { get; set; }
    /// <summary>Runs a scalar UDF on constant arguments (the interpreter runs its body).</summary>
    public Func<FunctionStatementBody, IReadOnlyList<(object? Value, SqlType Type)>, TSqlFragment, (object? Value, SqlType Type)>? CallScalarFunction { get; set; }
    /// <summary>Runs a multi-statement TVF on constant arguments into a local table; returns it.</summary>
    public Func<FunctionStatementBody, IReadOnlyList<(object? Value, SqlType Type)>, TSqlFragment, LocalTable>? CallTableFunction { get; set; }
    /// <summary>Runs a query now and returns its rows (distinct arguments of a per-row table function).</summary>
    public Func<string, IReadOnlyList<object?[]>>? QueryRows { get; set; }
    /// <summary>A view's definition and document, to expand one the sandbox could not create.</summary>
    public Func<QualifiedName, (ViewStatementBody Body, SqlDocument Document)?>? View { get; set; }
    /// <summary>The columns of a view the code made in this run (CREATE VIEW in dynamic SQL), or null.</summary>
    public Func<QualifiedName, IReadOnlyList<ColumnShape>?> MadeView { get; set; } = _ => null;
    /// <summary>A permanent table the code made in this run (SELECT … INTO), or null: in no catalog, shaped like a #temp table.</summary>
    public Func<QualifiedName, LocalTable?> MadeTable { get; set; } = _ => null;
    /// <summary>Whether the code made a view in this run: the system views, answered over the catalog, would not list it.</summary>
    public Func<bool> AnyMadeView { get; set; } = () => false;
    /// <summary>Evaluates constant SQL (arguments of a UDF call).</summary>
    public Func<string, SqlType?, object?>? Evaluate { get; set; }
    /// <summary>A number unique within the database, for helper object names.</summary>
    public Func<int> UniqueId
    {
        get => _uniqueId ??= () => Interlocked.Increment(ref _nextId);
        set => _uniqueId = value;
    }
    private Func<int>? _uniqueId;
    private int _nextId;

    /// <summary>The database's objects with their sys.objects type codes (U, V, P, FN, IF, TF, SO), for the system views.</summary>
    public Func<IReadOnlyList<(QualifiedName Name, string Type)>> Objects { get; set; } = () => Array.Empty<(QualifiedName, string)>();

    /// <summary>
    /// The SQL a system view is read from, given its rows as SQL (built only when needed): a table the
    /// sandbox keeps, so a large catalog's INFORMATION_SCHEMA is not re-parsed by every statement and
    /// every case. Null: the rows are inlined in the statement.
    /// </summary>
    public Func<QualifiedName, Func<string>, string>? SystemViewTable { get; set; }

    /// <summary>Sequence names (for NEXT VALUE FOR and identity) → DuckDB sequence name.</summary>
    public Func<QualifiedName, string>? SequenceName { get; set; }

    public Location? LocationOf(TSqlFragment f) => Document?.LocationOf(f);
}
