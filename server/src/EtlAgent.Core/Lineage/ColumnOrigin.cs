using EtlAgent.Core.Model;

namespace EtlAgent.Core.Lineage;

/// <summary>
/// Where a value comes from: the base columns it depends on ("Schema.Table.Column"), how it is
/// derived, and what is known of its type and nullability (null = unknown, never guessed).
/// </summary>
public sealed record ColumnOrigin(IReadOnlyCollection<string> Sources, MappingKind Kind, SqlType? Type = null, bool? Nullable = null)
{
    public static readonly ColumnOrigin Unknown = new(Array.Empty<string>(), MappingKind.Expression);

    public static ColumnOrigin Constant(SqlType? type, bool nullable) => new(Array.Empty<string>(), MappingKind.Constant, type, nullable);

    /// <summary>
    /// Text known to hold ASCII characters only, whatever its declared type: the hex digits CONVERT gives a
    /// binary value with style 1 or 2 (`CONVERT(nvarchar(32), HASHBYTES('MD5', x), 2)`). Kept through column
    /// references (a CTE's column), dropped by any further computation.
    /// </summary>
    public bool AsciiText { get; init; }

    /// <summary>
    /// An integer known to be 0, 1 or NULL: a CASE or IIF whose every result is the literal 0 or 1, NULL or a bit
    /// value, typed int by precedence but fitting a bit column. Kept through column references, dropped by any further computation.
    /// </summary>
    public bool ZeroOrOne { get; init; }

    /// <summary>
    /// The smallest and largest value of an integer known to lie between them: a CASE or IIF whose every result is an
    /// integer literal, NULL, a bit value or such a range (`CASE WHEN w BETWEEN 1 AND 4 THEN 1 ... ELSE 12 END`), typed
    /// int but fitting a tinyint. Kept through column references (a CTE's column), dropped by any further computation.
    /// </summary>
    public (long Min, long Max)? IntegerRange { get; init; }

    /// <summary>
    /// NULL only because the one table column it copies is declared NULL-able: not an outer join's missing row, not a
    /// computation. Whether every writer of that column fills it is a workspace question (FilledColumns). Kept through
    /// column references (a derived table's or CTE's column), dropped by any further computation.
    /// </summary>
    public bool NullableAsDeclared { get; init; }

    /// <summary>
    /// Copied from a table of another server or database (a four-part name, or a database named by a SQLCMD variable
    /// other than $(DatabaseName)) whose column is not declared NOT NULL: its NULLs are not known here (null Nullable).
    /// A writer filling a column with it is not taken to leave NULLs (FilledColumns). Kept through column references,
    /// dropped by any further computation.
    /// </summary>
    public bool NullsElsewhere { get; init; }

    /// <summary>
    /// A call of this user scalar function without arguments (`mq.MaxDate()`): NULL only if the function returns NULL,
    /// which the workspace step knows once every function is read (FilledColumns). Dropped by any computation.
    /// </summary>
    public QualifiedName? UserFunction { get; init; }
}

/// <summary>
/// One value written to one target column by one statement (or one MERGE branch). The unit that
/// lineage reports and that the type/nullability rules check.
/// </summary>
public sealed record ColumnAssignment(
    QualifiedName Table,
    string Column,
    /// <summary>The target column's definition when the table is in the catalog.</summary>
    ColumnDef? TargetColumn,
    ColumnOrigin Origin,
    /// <summary>The source expression as written (null for SELECT * expansion or VALUES-less forms).</summary>
    Microsoft.SqlServer.TransactSql.ScriptDom.TSqlFragment? Source,
    /// <summary>The statement that performs the write.</summary>
    Microsoft.SqlServer.TransactSql.ScriptDom.TSqlStatement Statement);

/// <summary>A column reference whose table is in the catalog but which names no column of it.</summary>
public sealed record UnresolvedColumn(
    Microsoft.SqlServer.TransactSql.ScriptDom.ColumnReferenceExpression Reference,
    TableDef Table);
