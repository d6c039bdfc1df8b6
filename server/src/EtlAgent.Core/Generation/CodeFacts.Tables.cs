using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>Literals the code compares with a column of a known table (<see cref="CodeFacts"/>).</summary>
public sealed partial class CodeFacts
{
    /// <summary>
    /// Table and column → literals the code compares that table's column with (WHERE ModuleName = 'DEFAULT'
    /// FROM privy.LoadParameter). Same-named columns of other tables are often compared with other values
    /// (a journal's ModuleName = 'SYSTEM_DEFAULT'), and a parameter row the code looks up must hold its own.
    /// </summary>
    public Dictionary<(QualifiedName Table, string Column), List<object>> TableColumnLiterals { get; } = new(new TableColumnComparer());

    /// <summary>As <see cref="FilterLiterals"/>, for the column of a known table.</summary>
    public Dictionary<(QualifiedName Table, string Column), List<object>> TableFilterLiterals { get; } = new(new TableColumnComparer());

    /// <summary>The literals compared with the table's column first, then those compared with any column of its name.</summary>
    public List<object> LiteralsOf(QualifiedName table, string column) =>
        Merged(TableColumnLiterals.GetValueOrDefault((table, column)), ColumnLiterals.GetValueOrDefault(column));

    /// <summary>The filter literals of the table's column first, then those of any column of its name.</summary>
    public List<object> FilterLiteralsOf(QualifiedName table, string column) =>
        Merged(TableFilterLiterals.GetValueOrDefault((table, column)), FilterLiterals.GetValueOrDefault(column));

    private static List<object> Merged(List<object>? own, List<object>? named)
    {
        var all = new List<object>(own ?? new List<object>());
        foreach (var v in named ?? new List<object>()) if (!all.Contains(v)) all.Add(v);
        return all;
    }

    private static void AddTo(Dictionary<(QualifiedName, string), List<object>> map, QualifiedName table, string column, object value)
    {
        if (!map.TryGetValue((table, column), out var list)) map[(table, column)] = list = new();
        if (!list.Contains(value)) list.Add(value);
    }

    private sealed class TableColumnComparer : IEqualityComparer<(QualifiedName Table, string Column)>
    {
        public bool Equals((QualifiedName Table, string Column) a, (QualifiedName Table, string Column) b) =>
            a.Table == b.Table && StringComparer.OrdinalIgnoreCase.Equals(a.Column, b.Column);

        public int GetHashCode((QualifiedName Table, string Column) k) =>
            HashCode.Combine(k.Table, StringComparer.OrdinalIgnoreCase.GetHashCode(k.Column));
    }

    private sealed partial class Visitor
    {
        /// <summary>Three-part names of the workspace's own database are its own tables.</summary>
        public Func<QualifiedName, QualifiedName> Resolve { get; init; } = q => q;

        /// <summary>The tables each enclosing query reads (innermost last), and whether it reads only that one table.</summary>
        private readonly List<(List<NamedTableReference> Tables, bool Single)> _scopes = new();

        public override void ExplicitVisit(QuerySpecification node) => InScope(node.FromClause?.TableReferences, null, () => base.ExplicitVisit(node));
        public override void ExplicitVisit(UpdateSpecification node) => InScope(node.FromClause?.TableReferences, node.Target, () => base.ExplicitVisit(node));
        public override void ExplicitVisit(DeleteSpecification node) => InScope(node.FromClause?.TableReferences, node.Target, () => base.ExplicitVisit(node));

        private void InScope(IList<TableReference>? from, TableReference? target, Action visit)
        {
            var refs = from?.ToList() ?? new List<TableReference>();
            // UPDATE t SET … without FROM reads its target; with FROM, the target is one of FROM's (or its alias)
            if (refs.Count == 0 && target is not null) refs.Add(target);
            var tables = refs.SelectMany(Named).ToList();
            _scopes.Add((tables, refs is [NamedTableReference]));
            try { visit(); }
            finally { _scopes.RemoveAt(_scopes.Count - 1); }
        }

        /// <summary>
        /// The table a compared column belongs to: the one its qualifier names (alias or name) in the nearest
        /// query that has it, or the only table of its own query; null for a derived table, a CTE's alias,
        /// a temp table, or when it cannot be told.
        /// </summary>
        private QualifiedName? TableOf(ScalarExpression e)
        {
            if (e is not ColumnReferenceExpression { MultiPartIdentifier.Identifiers: { Count: > 0 } ids } || _scopes.Count == 0) return null;
            NamedTableReference? found = null;
            if (ids.Count == 1) found = _scopes[^1] is ([var only], true) ? only : null;
            else
                for (int i = _scopes.Count - 1; i >= 0 && found is null; i--)
                    found = _scopes[i].Tables.FirstOrDefault(n =>
                        string.Equals(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value, ids[^2].Value, StringComparison.OrdinalIgnoreCase));
            if (found is null) return null;
            var name = Resolve(Name(found.SchemaObject));
            return name.IsLocal ? null : name;
        }
    }
}
