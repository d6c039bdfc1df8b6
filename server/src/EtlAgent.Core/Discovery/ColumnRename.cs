using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Discovery;

/// <summary>
/// `EXEC sp_rename 'schema.table.column', 'new_name', 'COLUMN'` in a deployment script (migrations
/// rename columns so, usually under a guard on sys.columns): the catalog renames the column.
/// </summary>
public sealed record ColumnRename(QualifiedName Table, string From, string To, Location Location)
{
    /// <summary>The rename an EXEC statement makes, or null (not sp_rename of a column with literal names).</summary>
    public static ColumnRename? Read(SqlDocument doc, ExecuteStatement exec)
    {
        if (exec.ExecuteSpecification?.ExecutableEntity is not ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name: { } proc } call) return null;
        if (!string.Equals(proc.BaseIdentifier?.Value, "sp_rename", StringComparison.OrdinalIgnoreCase)) return null;
        string? objectName = null, newName = null, type = null;
        for (int i = 0; i < call.Parameters.Count; i++)
        {
            var p = call.Parameters[i];
            if (p.ParameterValue is not StringLiteral literal) continue;
            var slot = p.Variable?.Name.TrimStart('@').ToLowerInvariant() switch
            {
                "objname" => 0, "newname" => 1, "objtype" => 2, null => i, _ => -1,
            };
            if (slot == 0) objectName = literal.Value;
            else if (slot == 1) newName = literal.Value;
            else if (slot == 2) type = literal.Value;
        }
        if (objectName is null || string.IsNullOrWhiteSpace(newName) || !string.Equals(type, "COLUMN", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = QualifiedName.SplitParts(objectName);
        if (parts.Count is < 2 or > 3) return null;
        var table = parts.Count == 3 ? new QualifiedName(parts[0], parts[1]) : new QualifiedName(null, parts[0]);
        return new ColumnRename(table, parts[^1], newName.Trim(), doc.LocationOf(exec));
    }
}
