using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>What the code's copies into typed columns and work tables say about the values (<see cref="CodeFacts"/>).</summary>
public sealed partial class CodeFacts
{
    /// <summary>
    /// Text columns the code copies as they are into a column of another type (staged text loaded into a
    /// typed work table: INSERT INTO #orders SELECT [Quantity] … with #orders.[Quantity] int, or into a
    /// typed table) convert there as an explicit CONVERT would: they are <see cref="Conversions"/> too.
    /// Text that does not convert fails the load at that statement, so a TRY block that logs and
    /// swallows the error never ran past it for any input (only "text that does not convert" should).
    /// </summary>
    private static void ImplicitConversions(CodeFacts facts, SchemaCatalog catalog)
    {
        var declared = new Dictionary<(string Table, string Column), SqlType>();
        foreach (var t in facts.Closure.Where(t => t.HasSyntax))
        {
            var locals = new LocalTableTypes(declared, catalog);
            foreach (var f in t.Syntax.Body) f.Accept(locals);
        }
        foreach (var a in facts.Closure.SelectMany(t => t.Assignments))
        {
            var target = a.TargetColumn?.Type ?? declared.GetValueOrDefault((a.Table.Name.ToLowerInvariant(), a.Column.ToLowerInvariant()));
            if (target is null || target.IsString || !(target.IsNumeric || target.IsDateTime) || target.Name == "bit") continue;
            // a copy of the column itself (its table may be a stand-in lineage does not know); a CAST of it to text
            // elsewhere (a row hash) says nothing of what the text must hold, the typed copy does
            if (a.Origin.Type is { IsString: false } || a.Source is not ScalarExpression source || ColumnName(Fallen(source)) is not { } column) continue;
            if (!facts.Conversions.TryGetValue(column, out var known) || new SqlType(known).IsString) facts.Conversions[column] = target.Name;
        }
    }

    /// <summary>The value a fallback or trim wraps (ISNULL([ContractedFrom], '1900-01-01'), LTRIM([Code])): its text converts as the value does.</summary>
    private static ScalarExpression Fallen(ScalarExpression e) => e switch
    {
        ParenthesisExpression p => Fallen(p.Expression),
        CoalesceExpression { Expressions.Count: > 0 } c => Fallen(c.Expressions[0]),
        FunctionCall { Parameters.Count: > 0 } f when f.FunctionName.Value.ToUpperInvariant() is "ISNULL" or "LTRIM" or "RTRIM" or "TRIM" => Fallen(f.Parameters[0]),
        _ => e,
    };

    /// <summary>
    /// A column copied as it is into a #temp table or table variable under another name (INSERT INTO #w
    /// SELECT [src_id] … with #w.[EntityKey] first) is the same value there: equated like a join key, so
    /// a staged row and the target row it is compared with through the work table name the same entity.
    /// </summary>
    private static void WorkTableCopies(CodeFacts facts)
    {
        foreach (var a in facts.Closure.SelectMany(t => t.Assignments))
        {
            if (!a.Table.IsLocal || a.Source is not ScalarExpression source || ColumnName(source) is not { } column
                || string.Equals(column, a.Column, StringComparison.OrdinalIgnoreCase)) continue;
            if (!facts.Equalities.Contains((column, a.Column))) facts.Equalities.Add((column, a.Column));
        }
    }

    /// <summary>Declared column types of #temp tables and table variables, by (table name, column).</summary>
    private sealed class LocalTableTypes(Dictionary<(string, string), SqlType> declared, SchemaCatalog catalog) : TSqlFragmentVisitor
    {
        public override void Visit(CreateTableStatement node)
        {
            if (node.SchemaObjectName.BaseIdentifier.Value.StartsWith('#') && node.Definition is not null)
                Add(node.SchemaObjectName.BaseIdentifier.Value, node.Definition);
        }

        public override void Visit(DeclareTableVariableBody node)
        {
            if (node.Definition is not null) Add(node.VariableName.Value, node.Definition);
        }

        private void Add(string table, TableDefinition definition)
        {
            foreach (var c in definition.ColumnDefinitions)
                if (c.DataType is not null) declared.TryAdd((table.ToLowerInvariant(), c.ColumnIdentifier.Value.ToLowerInvariant()), DataTypes.From(c.DataType, catalog.AliasTypes));
        }
    }
}
