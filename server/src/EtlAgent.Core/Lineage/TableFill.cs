using EtlAgent.Core.Model;

namespace EtlAgent.Core.Lineage;

/// <summary>
/// What one transformation's writes leave in the columns of one table it writes: the part of the workspace's
/// question "does every writer give this column a value" that one body answers.
/// </summary>
/// <param name="AddsRows">It inserts rows (INSERT, MERGE ... INSERT, SELECT INTO); an UPDATE or DELETE only changes or removes them.</param>
/// <param name="Unreadable">It writes the table in a way whose values are not known: INSERT ... EXEC, BULK INSERT, OUTPUT INTO, a write through a CTE.</param>
/// <param name="NonNull">Columns every row-inserting statement names with a value that is never NULL (meaningless without <paramref name="AddsRows"/>).</param>
/// <param name="MaybeNull">Columns some statement writes with a value that may be NULL (an UPDATE, a MERGE branch or an INSERT).</param>
public sealed record TableFill(QualifiedName Table, bool AddsRows, bool Unreadable, IReadOnlySet<string> NonNull, IReadOnlySet<string> MaybeNull)
{
    /// <summary>Columns filled with a call of a user function without arguments (see <see cref="ColumnOrigin.UserFunction"/>): filled only if each of those functions never returns NULL.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<QualifiedName>> Functions { get; init; } = new Dictionary<string, IReadOnlySet<QualifiedName>>();

    public static TableFill Unknown(QualifiedName table) => new(table, true, true, Empty, Empty);

    private static readonly IReadOnlySet<string> Empty = new HashSet<string>();
}
