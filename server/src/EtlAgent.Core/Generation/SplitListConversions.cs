using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// A text column holding a list the code splits and converts piece by piece
/// (<c>STRING_SPLIT(o.[Person Ids], ',') AS s … CAST(s.value AS bigint)</c>) converts as the pieces do:
/// its values must be numbers too, or every input stops with error 245 at that statement.
/// Recorded as a <see cref="CodeFacts.Conversions"/> of the split column.
/// </summary>
internal sealed class SplitListConversions : TSqlFragmentVisitor
{
    private readonly Dictionary<string, string> _conversions = new(StringComparer.OrdinalIgnoreCase);

    public static void Collect(CodeFacts facts, IEnumerable<TSqlFragment> bodies)
    {
        var v = new SplitListConversions();
        foreach (var b in bodies) b.Accept(v);
        foreach (var (column, type) in v._conversions)
            if (!facts.Conversions.TryGetValue(column, out var known) || new SqlType(known).IsString) facts.Conversions[column] = type;
    }

    // a query's FROM names the split and its alias; the conversion of alias.value may be anywhere in the query
    public override void Visit(QuerySpecification node)
    {
        if (node.FromClause is null) return;
        var splits = new SplitFinder();
        node.FromClause.Accept(splits);
        if (splits.Columns.Count == 0) return;
        var casts = new CastFinder();
        node.Accept(casts);
        foreach (var (qualifier, type) in casts.Pieces)
        {
            // an unqualified value is the pieces' column when the query splits one list
            var column = qualifier.Length == 0 ? (splits.Columns.Count == 1 ? splits.Columns.Values.First() : null) : splits.Columns.GetValueOrDefault(qualifier);
            if (column is not null && !new SqlType(type).IsString) _conversions.TryAdd(column, type);
        }
    }

    private sealed class SplitFinder : TSqlFragmentVisitor
    {
        public Dictionary<string, string> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override void Visit(GlobalFunctionTableReference node)
        {
            if (!node.Name.Value.Equals("STRING_SPLIT", StringComparison.OrdinalIgnoreCase) || node.Parameters.Count < 2) return;
            if (CodeFacts.ColumnName(node.Parameters[0]) is { } column) Columns[node.Alias?.Value ?? "STRING_SPLIT"] = column;
        }
    }

    /// <summary>Conversions of a split's pieces: (the split's alias, the type).</summary>
    private sealed class CastFinder : TSqlFragmentVisitor
    {
        public List<(string Qualifier, string Type)> Pieces { get; } = new();

        public override void Visit(CastCall node) => Add(node.DataType, node.Parameter);
        public override void Visit(TryCastCall node) => Add(node.DataType, node.Parameter);
        public override void Visit(ConvertCall node) => Add(node.DataType, node.Parameter);
        public override void Visit(TryConvertCall node) => Add(node.DataType, node.Parameter);

        private void Add(DataTypeReference type, ScalarExpression piece)
        {
            while (piece is ParenthesisExpression p) piece = p.Expression;
            if (type is SqlDataTypeReference s && piece is ColumnReferenceExpression { MultiPartIdentifier: { Count: 1 or 2 } id }
                && id.Identifiers[^1].Value.Equals("value", StringComparison.OrdinalIgnoreCase))
                Pieces.Add((id.Count == 2 ? id.Identifiers[0].Value : "", s.SqlDataTypeOption.ToString().ToLowerInvariant()));
        }
    }
}
