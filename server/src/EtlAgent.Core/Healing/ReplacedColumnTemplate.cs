using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Healing;

/// <summary>
/// A column read in place of the one its name says: a value written to column X (INSERT column
/// list, SET X =, an alias AS X) or compared with a column X that reads another column of a table
/// that has a column named X gets that column instead; in a comparison a.X = b.Y, b.X (or a.Y) is
/// tried where that table has it. Names that agree along the lineage are the common case in ETL
/// code, so a mismatch where the matching column is at hand is a likely wrong-column or wrong-key
/// fault; the verifier decides.
/// </summary>
public static class ReplacedColumnTemplate
{
    public static IReadOnlyList<RepairCandidate> For(TransformationAnalysis t, SchemaCatalog catalog, SuspectStatement suspect)
    {
        if (!t.HasSyntax || suspect.File != t.Transformation.File) return Array.Empty<RepairCandidate>();
        var result = new List<RepairCandidate>();
        foreach (var statement in ProcedureStatementsIn(t, suspect))
        {
            var scope = AliasColumns.Of(statement, catalog);
            var visitor = new Visitor(t, catalog, scope, suspect, result);
            statement.Accept(visitor);
        }
        return result.DistinctBy(c => (c.Edits[0].Range.StartOffset, c.Edits[0].NewText)).ToList();
    }

    /// <summary>
    /// The statements to read the suspect in: the outermost ones inside its span, else (a suspect that
    /// is part of a statement, such as an IF's condition) the smallest statement holding it. Templates
    /// edit only nodes inside the suspect; the statement gives them the aliases in scope.
    /// </summary>
    internal static IEnumerable<TSqlFragment> ProcedureStatementsIn(TransformationAnalysis t, SuspectStatement suspect)
    {
        var finder = new Statements(suspect);
        foreach (var f in t.Syntax.Body) f.Accept(finder);
        if (finder.Inside.Count > 0) return finder.Inside;
        return finder.Holding.OrderBy(h => h.FragmentLength).Take(1);
    }

    private sealed class Statements(SuspectStatement suspect) : TSqlFragmentVisitor
    {
        public List<TSqlFragment> Inside { get; } = new();
        public List<TSqlFragment> Holding { get; } = new();
        public override void Visit(TSqlStatement node)
        {
            if (node.StartOffset < 0) return;
            if (suspect.Contains(node.StartOffset, node.FragmentLength))
            {
                if (!Inside.Any(f => f.StartOffset <= node.StartOffset && node.StartOffset + node.FragmentLength <= f.StartOffset + f.FragmentLength)) Inside.Add(node);
            }
            else if (node.StartOffset <= suspect.StartOffset && suspect.EndOffset <= node.StartOffset + node.FragmentLength) Holding.Add(node);
        }
    }

    private sealed class References : TSqlFragmentVisitor
    {
        public List<ColumnReferenceExpression> Found { get; } = new();
        public override void Visit(ColumnReferenceExpression node) => Found.Add(node);
        public override void ExplicitVisit(ScalarSubquery node) { } // a subquery's columns belong to its own scope
    }

    private sealed class Visitor(TransformationAnalysis t, SchemaCatalog catalog, AliasColumns scope, SuspectStatement suspect, List<RepairCandidate> result) : TSqlFragmentVisitor
    {
        private readonly string _text = t.Document.Text;
        private readonly string _file = t.Transformation.File;

        public override void Visit(InsertSpecification node)
        {
            if (node.InsertSource is not SelectInsertSource { Select: QuerySpecification spec }) return;
            IReadOnlyList<string>? targets = node.Columns.Count > 0
                ? node.Columns.Select(c => c.MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value ?? "").ToList()
                : node.Target is NamedTableReference named && catalog.Find(AliasColumns.NameOf(named.SchemaObject)) is { } table
                    ? table.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList() : null;
            if (targets is null) return;
            var items = spec.SelectElements;
            for (int i = 0; i < items.Count && i < targets.Count; i++)
                if (items[i] is SelectScalarExpression item) Written(item.Expression, targets[i]);
        }

        public override void Visit(SelectScalarExpression node)
        {
            if (node.ColumnName?.Value is { } alias) Written(node.Expression, alias);
        }

        public override void Visit(AssignmentSetClause node)
        {
            if (node.Column?.MultiPartIdentifier?.Identifiers.LastOrDefault()?.Value is { } column && node.NewValue is not null) Written(node.NewValue, column);
        }

        public override void Visit(BooleanComparisonExpression node)
        {
            if (AliasColumns.Split(node.FirstExpression) is not { } a || AliasColumns.Split(node.SecondExpression) is not { } b) return;
            if (string.Equals(a.Column, b.Column, StringComparison.OrdinalIgnoreCase) || string.Equals(a.Alias, b.Alias, StringComparison.OrdinalIgnoreCase)) return;
            if (scope.Has(b.Alias, a.Column)) Swap(node.SecondExpression, b.Alias, b.Column, a.Column, "compare like with like");
            if (scope.Has(a.Alias, b.Column)) Swap(node.FirstExpression, a.Alias, a.Column, b.Column, "compare like with like");
        }

        /// <summary>The columns <paramref name="value"/> reads that are not named <paramref name="target"/> while their table has one that is.</summary>
        private void Written(ScalarExpression value, string target)
        {
            var refs = new References();
            value.Accept(refs);
            foreach (var r in refs.Found)
                if (AliasColumns.Split(r) is { } c && !string.Equals(c.Column, target, StringComparison.OrdinalIgnoreCase) && scope.Has(c.Alias, target))
                    Swap(r, c.Alias, c.Column, target, $"write {target} from the same-named column");
        }

        private void Swap(TSqlFragment reference, string alias, string from, string to, string why)
        {
            if (!suspect.Contains(reference.StartOffset, reference.FragmentLength)) return;
            var newText = $"{_text.Substring(reference.StartOffset, reference.FragmentLength)[..^(LastPartLength(reference))]}[{to}]";
            var old = _text.Substring(reference.StartOffset, reference.FragmentLength);
            if (old == newText) return;
            result.Add(new RepairCandidate(HealKinds.Code, HealClasses.WrongKey, $"{why}: {alias}.[{from}] → {alias}.[{to}]",
                new[] { SpanEdits.Replace(_file, _text, reference.StartOffset, reference.StartOffset + reference.FragmentLength, newText) }, "template"));
        }

        /// <summary>The length of the reference's last identifier as written (brackets included).</summary>
        private int LastPartLength(TSqlFragment reference)
        {
            var last = ((ColumnReferenceExpression)reference).MultiPartIdentifier.Identifiers[^1];
            return last.FragmentLength;
        }
    }
}
