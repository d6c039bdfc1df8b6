using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Rules;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>
/// Walks one transformation and records, for every table neither the catalog nor a local name
/// explains, the columns the code names and the types their uses imply (see <see cref="StandInInference"/>).
/// Sources are scoped per query, so an alias means the table of its own query or an outer one.
/// </summary>
internal sealed class StandInUsageWalker : TSqlFragmentVisitor
{
    private const int FromLiteral = 1, FromVariable = 2, FromColumn = 3;

    private readonly SqlDocument _document;
    private readonly SchemaCatalog _catalog;
    private readonly Dictionary<QualifiedName, StandInUsage> _usages;
    private readonly HashSet<QualifiedName> _created;
    private readonly List<DeferredColumn> _deferred;
    private readonly Dictionary<string, SqlType> _variables = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<List<Source>> _scopes = new();
    private readonly HashSet<string> _ctes = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>#temp tables and table variables the transformation declares so far, by name: typed like the catalog's tables.</summary>
    private readonly Dictionary<string, TableDef> _locals = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Columns the code treats as text somewhere (ISNULL([x], '') in a row hash's concatenation), by name.</summary>
    private readonly HashSet<string> _usedAsText = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A FROM item: its exposed name, and the unknown table or known table it is (neither: a derived table, a local table).</summary>
    private sealed record Source(string Exposed, string? BaseName, StandInUsage? Unknown, TableDef? Known);

    /// <summary>Set when the walk is over the text of dynamic SQL: its fragments' offsets are in that text, so every location is the EXEC's.</summary>
    private readonly DynamicSqlText? _dynamic;

    public StandInUsageWalker(SqlDocument document, SchemaCatalog catalog, IReadOnlyList<ParameterDef> parameters,
        Dictionary<QualifiedName, StandInUsage> usages, HashSet<QualifiedName> created, List<DeferredColumn> deferred,
        DynamicSqlText? dynamic = null)
    {
        _dynamic = dynamic;
        _deferred = deferred;
        _document = document;
        _catalog = catalog;
        _usages = usages;
        _created = created;
        foreach (var p in parameters) _variables[p.Name] = catalog.AliasTypes.Resolve(p.Type);
    }

    /// <summary>CTE names hide tables: collected over the whole body first, since a statement's WITH may be visited after its FROM.</summary>
    public void Walk(IEnumerable<TSqlFragment> body)
    {
        var fragments = body.ToList();
        var ctes = new CteNames(_ctes);
        foreach (var f in fragments) f.Accept(ctes);
        var text = new TextUses(_usedAsText);
        foreach (var f in fragments) f.Accept(text);
        foreach (var f in fragments) f.Accept(this);
    }

    private sealed class CteNames(HashSet<string> names) : TSqlFragmentVisitor
    {
        public override void Visit(CommonTableExpression node) => names.Add(node.ExpressionName.Value);
    }

    /// <summary>ISNULL([x], '…'): the code means [x] to be text (a typed copy of it elsewhere converts it there).</summary>
    private sealed class TextUses(HashSet<string> columns) : TSqlFragmentVisitor
    {
        public override void Visit(FunctionCall node)
        {
            if (node.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase) && node.Parameters is [ColumnReferenceExpression { MultiPartIdentifier: { } id }, StringLiteral])
                columns.Add(id.Identifiers[^1].Value);
        }
    }

    public override void ExplicitVisit(DeclareVariableStatement node)
    {
        foreach (var d in node.Declarations)
            if (d.DataType is not null) _variables[d.VariableName.Value] = DataTypes.From(d.DataType, _catalog.AliasTypes);
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(CreateTableStatement node)
    {
        _created.Add(DdlReader.ReferenceOf(node.SchemaObjectName));
        if (_dynamic is null && node.SchemaObjectName.BaseIdentifier?.Value is { } name && name.StartsWith('#') && node.Definition is not null)
            _locals[name] = DdlReader.ReadTable(_document, node, _catalog.AliasTypes);
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(DeclareTableVariableBody node)
    {
        if (_dynamic is null && node.Definition is not null)
            _locals[node.VariableName.Value] = DdlReader.ReadDeclaredTable(_document, new QualifiedName(null, node.VariableName.Value), node.Definition, node, _catalog.AliasTypes);
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(SelectStatement node)
    {
        if (node.Into is not null) _created.Add(DdlReader.ReferenceOf(node.Into));
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(QuerySpecification node) =>
        Scoped(Sources(node.FromClause?.TableReferences), () => base.ExplicitVisit(node));

    public override void ExplicitVisit(UpdateSpecification node)
    {
        var sources = Sources(node.FromClause?.TableReferences);
        AddTarget(sources, node.Target);
        Scoped(sources, () =>
        {
            foreach (var set in node.SetClauses.OfType<AssignmentSetClause>())
                if (set.Column is not null) Relate(set.Column, set.NewValue, set);
            base.ExplicitVisit(node);
        });
    }

    public override void ExplicitVisit(DeleteSpecification node)
    {
        var sources = Sources(node.FromClause?.TableReferences);
        AddTarget(sources, node.Target);
        Scoped(sources, () => base.ExplicitVisit(node));
    }

    public override void ExplicitVisit(MergeSpecification node)
    {
        var sources = Sources(new[] { node.TableReference });
        if (node.Target is NamedTableReference n && Resolve(n) is { } target)
            sources.Add(node.TableAlias is null ? target : target with { Exposed = node.TableAlias.Value });
        Scoped(sources, () => base.ExplicitVisit(node));
    }

    public override void ExplicitVisit(InsertSpecification node)
    {
        var target = node.Target switch
        {
            NamedTableReference n => Resolve(n),
            VariableTableReference v => Local(v),
            _ => null,
        };
        var columns = node.Columns.Select(c => c.MultiPartIdentifier?.Identifiers[^1].Value).ToList();
        // INSERT INTO #w SELECT …: by position, into the columns SQL Server fills (not identity, computed, rowversion)
        bool positional = columns.Count == 0 && target?.Known is not null;
        if (positional)
            columns = target!.Known!.Columns.Where(c => !c.IsGenerated).Select(c => (string?)c.Name).ToList();
        if (target?.Unknown is { } unknown)
        {
            foreach (var c in node.Columns)
                if (c.MultiPartIdentifier is { } id) unknown.AddColumn(id.Identifiers[^1].Value, LocationOf(c));
            // INSERT INTO t SELECT a, b AS c …: without a column list, the selected names are the columns
            if (columns.Count == 0 && node.InsertSource is SelectInsertSource { Select: QuerySpecification named }
                && named.SelectElements.All(e => e is SelectScalarExpression se && NameOf(se) is not null))
            {
                columns = named.SelectElements.Cast<SelectScalarExpression>().Select(NameOf).ToList();
                foreach (var e in named.SelectElements) unknown.AddColumn(NameOf((SelectScalarExpression)e)!, LocationOf(e));
            }
        }
        if (target is not null && columns.Count > 0)
        {
            switch (node.InsertSource)
            {
                case ValuesInsertSource values:
                    foreach (var row in values.RowValues)
                        for (int i = 0; i < row.ColumnValues.Count && i < columns.Count; i++)
                            if (columns[i] is { } column) RelateTarget(target, column, row.ColumnValues[i], row.ColumnValues[i], Array.Empty<Source>());
                    break;
                case SelectInsertSource { Select: var select }:
                    // every branch of a UNION lands in the same columns
                    foreach (var qs in Branches(select))
                    {
                        var scope = Sources(qs.FromClause?.TableReferences);
                        var items = qs.SelectElements.ToList();
                        if (positional && items.Any(e => e is not SelectScalarExpression)) continue; // a * hides which column lands where
                        for (int i = 0; i < items.Count && i < columns.Count; i++)
                            if (columns[i] is { } column && items[i] is SelectScalarExpression se) RelateTarget(target, column, se.Expression, se, scope);
                    }
                    break;
            }
        }
        base.ExplicitVisit(node);
    }

    /// <summary>The query specifications whose rows a query returns: itself, or each branch of a UNION, EXCEPT or INTERSECT.</summary>
    private static IEnumerable<QuerySpecification> Branches(QueryExpression? query) => query switch
    {
        QuerySpecification qs => new[] { qs },
        BinaryQueryExpression b => Branches(b.FirstQueryExpression).Concat(Branches(b.SecondQueryExpression)),
        QueryParenthesisExpression p => Branches(p.QueryExpression),
        _ => Array.Empty<QuerySpecification>(),
    };

    private static string? NameOf(SelectScalarExpression e) =>
        e.ColumnName?.Value ?? (e.Expression as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers[^1].Value;

    public override void ExplicitVisit(SelectSetVariable node)
    {
        if (_variables.TryGetValue(node.Variable.Name, out var type) && ColumnOf(node.Expression) is { } col)
            col.Usage.AddType(col.Column, type, FromVariable, $"assigned to {node.Variable.Name} ({type}) at {At(node)}");
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(BooleanComparisonExpression node)
    {
        Relate(node.FirstExpression, node.SecondExpression, node);
        Relate(node.SecondExpression, node.FirstExpression, node);
        base.ExplicitVisit(node);
    }

    public override void ExplicitVisit(ColumnReferenceExpression node)
    {
        if (ColumnOf(node) is { } col) col.Usage.AddColumn(col.Column, LocationOf(node));
    }

    /// <summary>When <paramref name="column"/> is a column of an unknown table, types it from <paramref name="other"/>.</summary>
    private void Relate(ScalarExpression column, ScalarExpression other, TSqlFragment at)
    {
        if (ColumnOf(column) is not { } col || TypeOf(other, _scopes.Count > 0 ? _scopes[^1] : Array.Empty<Source>()) is not { } typed) return;
        col.Usage.AddColumn(col.Column, LocationOf(column));
        col.Usage.AddType(col.Column, typed.Type, typed.Strength, $"{typed.What} at {At(at)}");
    }

    /// <summary>
    /// An INSERT column fed by an expression: an unknown target column takes the value's type, an unknown
    /// source column the target's, also through a wrapper that keeps its value (ISNULL, LTRIM; a CAST or
    /// CONVERT to a type that is not text gives that type). Not through one that cuts text (LEFT(x, n)
    /// into a text column): the source may hold longer text than the target. Not a type other than text
    /// for a column the code treats as text elsewhere (ISNULL([x], '') + … in a row hash): it is staged
    /// text the copy converts.
    /// </summary>
    private void RelateTarget(Source target, string column, ScalarExpression value, TSqlFragment at, IReadOnlyList<Source> scope)
    {
        if (target.Unknown is { } unknown && TypeOf(value, scope) is { } typed)
            unknown.AddType(column, typed.Type, typed.Strength, $"{typed.What} at {At(at)}");
        if (target.Known?.FindColumn(column) is not { } known) return;
        var (copied, convertedTo, cut) = Copied(value);
        int deferredBefore = _deferred.Count;
        var col = ColumnOf(copied, scope);
        // an unqualified column of several undefined sources: typed for whichever of them gets it (StandInInference.Merge)
        var deferred = col is null && _deferred.Count > deferredBefore ? _deferred[^1] : null;
        if (col is null && deferred is null) return;
        var source = col?.Column ?? deferred!.Column;
        col?.Usage.AddColumn(source, LocationOf(copied));
        (SqlType Type, int Strength, string From)? given = null;
        if (convertedTo is not null)
        {
            if (!convertedTo.IsString && !_usedAsText.Contains(source)) given = (convertedTo, FromVariable, $"converted to {convertedTo} for {target.Known.Name}.{known.Name} at {At(at)}");
        }
        else if (!(cut && known.Type.IsString) && (known.Type.IsString || !_usedAsText.Contains(source)))
            given = (known.Type, FromColumn, $"inserted into {target.Known.Name}.{known.Name} ({known.Type}) at {At(at)}");
        if (given is not { } g) return;
        if (col is { } c) c.Usage.AddType(source, g.Type, g.Strength, g.From);
        else _deferred[^1] = deferred! with { Typed = g };
    }

    /// <summary>
    /// What a value copies through simple wrappers: LEFT(x, n), LTRIM(x), ISNULL(x, d), CAST(x AS t) give x,
    /// with the type the innermost CAST or CONVERT gives it, and whether a wrapper cuts text.
    /// </summary>
    private (ScalarExpression Inner, SqlType? ConvertedTo, bool Cut) Copied(ScalarExpression e)
    {
        SqlType? convertedTo = null;
        bool cut = false;
        while (true)
        {
            switch (e)
            {
                case ParenthesisExpression p: e = p.Expression; continue;
                case CastCall c: convertedTo = DataTypes.From(c.DataType, _catalog.AliasTypes); e = c.Parameter; continue;
                case ConvertCall c: convertedTo = DataTypes.From(c.DataType, _catalog.AliasTypes); e = c.Parameter; continue;
                case CoalesceExpression { Expressions.Count: > 0 } c: e = c.Expressions[0]; continue;
                case LeftFunctionCall { Parameters.Count: > 0 } l: cut = true; e = l.Parameters[0]; continue;
                case RightFunctionCall { Parameters.Count: > 0 } r: cut = true; e = r.Parameters[0]; continue;
                case FunctionCall { Parameters.Count: > 0 } f:
                    switch (f.FunctionName.Value.ToUpperInvariant())
                    {
                        case "LEFT" or "RIGHT" or "SUBSTRING": cut = true; e = f.Parameters[0]; continue;
                        case "LTRIM" or "RTRIM" or "TRIM" or "UPPER" or "LOWER" or "ISNULL": e = f.Parameters[0]; continue;
                    }
                    break;
            }
            return (e, convertedTo, cut);
        }
    }

    /// <summary>A table variable as a source: its declared shape when the transformation declared it.</summary>
    private Source Local(VariableTableReference v) =>
        new(v.Alias?.Value ?? v.Variable.Name, null, null, _locals.GetValueOrDefault(v.Variable.Name));

    private (SqlType Type, int Strength, string What)? TypeOf(ScalarExpression e, IReadOnlyList<Source> scope)
    {
        switch (e)
        {
            case ParenthesisExpression p: return TypeOf(p.Expression, scope);
            case VariableReference v when _variables.TryGetValue(v.Name, out var vt): return (vt, FromVariable, $"{v.Name} ({vt})");
            case IntegerLiteral i: return (long.TryParse(i.Value, out var n) && n is > int.MaxValue or < int.MinValue ? new SqlType("bigint") : new SqlType("int"), FromLiteral, $"literal {i.Value}");
            case NumericLiteral num:
            {
                var digits = num.Value.TrimStart('-', '+');
                int dot = digits.IndexOf('.');
                int scale = dot < 0 ? 0 : digits.Length - dot - 1;
                int precision = Math.Max(digits.Replace(".", "").Length, scale + 1);
                return (new SqlType("decimal", null, Math.Min(38, Math.Max(precision, 18)), scale), FromLiteral, $"literal {num.Value}");
            }
            case StringLiteral s: return (StandInTables.WideType, FromLiteral, "a string literal");
            case CastCall c: return (DataTypes.From(c.DataType, _catalog.AliasTypes), FromVariable, $"CAST(… AS {DataTypes.From(c.DataType, _catalog.AliasTypes)})");
            case ConvertCall c: return (DataTypes.From(c.DataType, _catalog.AliasTypes), FromVariable, $"CONVERT({DataTypes.From(c.DataType, _catalog.AliasTypes)}, …)");
            case FunctionCall f when f.FunctionName.Value.ToUpperInvariant() is "GETDATE" or "CURRENT_TIMESTAMP" or "GETUTCDATE":
                return (new SqlType("datetime"), FromVariable, $"{f.FunctionName.Value}()");
            case FunctionCall f when f.FunctionName.Value.ToUpperInvariant() is "SYSDATETIME" or "SYSUTCDATETIME":
                return (new SqlType("datetime2", null, 7), FromVariable, $"{f.FunctionName.Value}()");
            case ColumnReferenceExpression c when KnownColumn(c, scope) is { } known:
                return (known.Column.Type, FromColumn, $"{known.Table.Name}.{known.Column.Name} ({known.Column.Type})");
            default: return null;
        }
    }

    /// <summary>The declared column a reference means, through a known table of the scope.</summary>
    private (TableDef Table, ColumnDef Column)? KnownColumn(ColumnReferenceExpression c, IReadOnlyList<Source> scope)
    {
        if (c.ColumnType != ColumnType.Regular || c.MultiPartIdentifier is null) return null;
        var ids = c.MultiPartIdentifier.Identifiers;
        var name = ids[^1].Value;
        if (ids.Count >= 2)
        {
            var source = Find(ids[^2].Value, scope);
            return source?.Known?.FindColumn(name) is { } col ? (source.Known, col) : null;
        }
        var matches = scope.Where(s => s.Known?.FindColumn(name) is not null).ToList();
        return matches.Count == 1 ? (matches[0].Known!, matches[0].Known!.FindColumn(name)!) : null;
    }

    private (StandInUsage Usage, string Column)? ColumnOf(ScalarExpression e) => ColumnOf(e, null);

    /// <summary>The unknown table's column a reference means: qualified by its exposed name, or unqualified
    /// when no declared source has the column (and no derived or local one could).</summary>
    private (StandInUsage Usage, string Column)? ColumnOf(ScalarExpression e, IReadOnlyList<Source>? scope)
    {
        while (e is ParenthesisExpression p) e = p.Expression;
        if (e is not ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier: { } id }) return null;
        var name = id.Identifiers[^1].Value;
        if (id.Count >= 2)
        {
            var qualifier = id.Identifiers[^2].Value;
            if (scope is not null) return Find(qualifier, scope)?.Unknown is { } u1 ? (u1, name) : null;
            for (int i = _scopes.Count - 1; i >= 0; i--)
                if (Find(qualifier, _scopes[i]) is { } s) return s.Unknown is { } u ? (u, name) : null;
            return null;
        }
        var inner = scope ?? (_scopes.Count > 0 ? _scopes[^1] : null);
        if (inner is null) return null;
        var unknown = inner.Where(s => s.Unknown is not null).Select(s => s.Unknown!).ToList();
        if (unknown.Count == 0 || inner.Any(s => s.Unknown is null && (s.Known is null || s.Known.FindColumn(name) is not null))) return null;
        if (unknown.Count == 1) return (unknown[0], name);
        // Several undefined sources: SQL Server knows which one has it, the code does not say. Decided
        // once the whole workspace is read (StandInInference.Merge), so one stand-in has it.
        _deferred.Add(new DeferredColumn(unknown.Select(u => u.Name).ToList(), name, LocationOf(e)));
        return null;
    }

    private static Source? Find(string qualifier, IReadOnlyList<Source> scope) =>
        scope.FirstOrDefault(s => string.Equals(s.Exposed, qualifier, StringComparison.OrdinalIgnoreCase));

    private void Scoped(List<Source> sources, Action visit)
    {
        _scopes.Add(sources);
        try { visit(); }
        finally { _scopes.RemoveAt(_scopes.Count - 1); }
    }

    /// <summary>A DML target not already in FROM (UPDATE t SET … with no FROM, DELETE FROM t).</summary>
    private void AddTarget(List<Source> sources, TableReference? target)
    {
        if (target is not NamedTableReference n) return;
        var baseName = n.SchemaObject.BaseIdentifier.Value;
        if (n.SchemaObject.SchemaIdentifier is null && sources.Any(s => string.Equals(s.Exposed, baseName, StringComparison.OrdinalIgnoreCase))) return;
        if (Resolve(n) is { } source) sources.Add(source);
    }

    private List<Source> Sources(IEnumerable<TableReference>? references)
    {
        var list = new List<Source>();
        if (references is null) return list;
        foreach (var r in references) Flatten(r, list);
        return list;
    }

    private void Flatten(TableReference r, List<Source> list)
    {
        switch (r)
        {
            case NamedTableReference n:
                if (Resolve(n) is { } s) list.Add(s);
                break;
            case JoinTableReference j:
                Flatten(j.FirstTableReference, list);
                Flatten(j.SecondTableReference, list);
                break;
            case JoinParenthesisTableReference jp:
                Flatten(jp.Join, list);
                break;
            case VariableTableReference v:
                list.Add(Local(v));
                break;
            case TableReferenceWithAlias a:
                list.Add(new Source(a.Alias?.Value ?? "", null, null, null));
                break;
        }
    }

    /// <summary>The source a table reference is; an unknown table is recorded (its first use).</summary>
    private Source? Resolve(NamedTableReference n)
    {
        var so = n.SchemaObject;
        if (so.BaseIdentifier is null) return null;
        var baseName = so.BaseIdentifier.Value;
        var exposed = n.Alias?.Value ?? baseName;
        var name = DdlReader.ReferenceOf(so);
        if (name.IsLocal && so.ServerIdentifier is null) return new Source(exposed, baseName, null, _locals.GetValueOrDefault(baseName));
        if ((so.SchemaIdentifier is null && _ctes.Contains(baseName)) || IsSystem(name))
            return new Source(exposed, baseName, null, null);
        if (_catalog.Find(name) is { } known) return new Source(exposed, baseName, null, known);
        // a name built from a run-time part ('FROM dbo.' + @table) is not a table the code names
        if (_dynamic is not null && !_dynamic.IsConstant(so)) return new Source(exposed, baseName, null, null);
        if (!_usages.TryGetValue(name, out var usage)) _usages[name] = usage = new StandInUsage(name, LocationOf(n));
        return new Source(exposed, baseName, usage, null);
    }

    /// <summary>System objects, and names an unresolved sqlcmd variable makes ($(Schema).T): not the code's own tables.</summary>
    private static bool IsSystem(QualifiedName name) =>
        name.ToString().Contains("$(", StringComparison.Ordinal) || name.Schema.Equals("sys", StringComparison.OrdinalIgnoreCase) || name.Schema.Equals("INFORMATION_SCHEMA", StringComparison.OrdinalIgnoreCase)
        || SystemCatalogNames.IsSystemDatabase(name.Database)
        || name.Schema.Equals("dbo", StringComparison.OrdinalIgnoreCase) && SystemCatalogNames.LegacySystemViews.Contains(name.Name);

    private string At(TSqlFragment f) => StandInTables.FileLine(LocationOf(f));

    private Location LocationOf(TSqlFragment f) => _document.LocationOf(_dynamic is null ? f : _dynamic.At);
}
