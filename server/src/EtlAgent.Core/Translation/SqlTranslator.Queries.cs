using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

public sealed partial class SqlTranslator
{
    /// <summary>When set, SELECT @v = expr items are translated as columns and recorded here.</summary>
    public List<(string Name, AssignmentKind Kind, SqlType? Type)>? AssignTargets { get; set; }

    /// <summary>WITH … as DuckDB text (RECURSIVE when any CTE refers to itself); registers CTE shapes in scope.</summary>
    public string With(WithCtesAndXmlNamespaces? with, Scope scope)
    {
        if (with?.XmlNamespaces is { } xmlns)
            XmlNamespaceDeclarations = xmlns.XmlNamespacesElements.Select(e => e switch
            {
                XmlNamespacesAliasElement a => ((string?)a.Identifier.Value, a.String.Value),
                _ => ((string?)null, ((XmlNamespacesDefaultElement)e).String.Value),
            }).ToList();
        if (with is null || with.CommonTableExpressions.Count == 0) return "";
        var parts = new List<string>();
        bool recursive = false;
        foreach (var cte in with.CommonTableExpressions)
        {
            string name = cte.ExpressionName.Value;
            var declared = cte.Columns.Select(c => c.Value).ToList();
            // a query read on its own inside this CTE (per-row function arguments) needs the CTEs before it
            if (parts.Count > 0) scope.WithSql = "WITH " + (recursive ? "RECURSIVE " : "") + string.Join(", ", parts) + " ";
            // Anchor shape first so a recursive member can see the CTE.
            if (cte.QueryExpression is BinaryQueryExpression bq)
            {
                var anchorScope = new Scope(scope);
                Query(First(bq), anchorScope, out var anchorShape);
                scope.Ctes[name] = Rename(anchorShape, declared);
            }
            var sql = Query(cte.QueryExpression, new Scope(scope), out var shape, cteName: name);
            if (sql.Contains("/*recursive*/")) recursive = true;
            scope.Ctes[name] = Rename(shape, declared);
            parts.Add($"{Id(name)}{(declared.Count > 0 ? "(" + string.Join(", ", declared.Select(Id)) + ")" : "")} AS ({sql})");
        }
        scope.WithSql = "WITH " + (recursive ? "RECURSIVE " : "") + string.Join(", ", parts) + " ";
        return scope.WithSql;

        static QueryExpression First(QueryExpression q) => q is BinaryQueryExpression b ? First(b.FirstQueryExpression) : q is QueryParenthesisExpression p ? First(p.QueryExpression) : q;
        static IReadOnlyList<ColumnShape> Rename(IReadOnlyList<ColumnShape> shape, List<string> names) =>
            names.Count == 0 ? shape : names.Select((n, i) => new ColumnShape(n, i < shape.Count ? shape[i].Type : null)).ToList();
    }

    public string Query(QueryExpression q, Scope scope, out IReadOnlyList<ColumnShape> shape, string? cteName = null, bool topLevelOrder = true)
    {
        EnsureStack(q);
        switch (q)
        {
            case QuerySpecification qs: return Spec(qs, scope, out shape, cteName);
            case QueryParenthesisExpression p: { var s = Query(p.QueryExpression, scope, out shape, cteName); return s; }
            case BinaryQueryExpression b:
            {
                var l = Query(b.FirstQueryExpression, new Scope(scope), out shape, cteName);
                var r = Query(b.SecondQueryExpression, new Scope(scope), out var rshape, cteName);
                // the result's columns take SQL Server's type of higher precedence over both sides, and a
                // string side converts to it as T-SQL converts ('' to a datetime is 1900-01-01), not DuckDB
                var types = shape.Select((c, i) => Dominant(new[] { new Tx("", c.Type), new Tx("", i < rshape.Count ? rshape[i].Type : null) })).ToList();
                l = ConvertedToSetTypes(l, shape, types, b.FirstQueryExpression);
                r = ConvertedToSetTypes(r, rshape, types, b.SecondQueryExpression);
                shape = shape.Select((c, i) => c with { Type = types[i] ?? c.Type }).ToList();
                string op = b.BinaryQueryExpressionType switch
                {
                    BinaryQueryExpressionType.Union => "UNION",
                    BinaryQueryExpressionType.Except => "EXCEPT",
                    _ => "INTERSECT",
                } + (b.All ? " ALL" : "");
                var sql = $"({l}) {op} ({r})";
                if (b.OrderByClause is not null)
                {
                    var os = new Scope(scope);
                    os.Sources.Add(new SourceShape("", shape));
                    sql = $"SELECT * FROM ({sql}) {OrderBy(b.OrderByClause, os)}";
                }
                return sql;
            }
            default: throw Unsupported(q.GetType().Name, q);
        }
    }

    /// <summary>
    /// One side of a set operator with its string columns converted to the set's non-string types
    /// (Data type precedence); DuckDB would instead make the set's column a string.
    /// </summary>
    private string ConvertedToSetTypes(string sql, IReadOnlyList<ColumnShape> shape, IReadOnlyList<SqlType?> types, TSqlFragment at)
    {
        bool Needs(int i) => i < types.Count && shape[i].Type is { IsString: true } && types[i] is { IsString: false } t && t.Name != "uniqueidentifier";
        if (!Enumerable.Range(0, shape.Count).Any(Needs)) return sql;
        var names = shape.Select((_, i) => "_set" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var cols = shape.Select((c, i) =>
        {
            var column = new Tx("_set." + Id(names[i]), c.Type);
            var value = Needs(i) ? Coerce(column, types[i], at).Sql : column.Sql;
            return value + " AS " + Id(string.IsNullOrEmpty(c.Name) ? names[i] : c.Name);
        });
        return $"SELECT {string.Join(", ", cols)} FROM ({sql}) AS _set({string.Join(", ", names.Select(Id))})";
    }

    private string Spec(QuerySpecification qs, Scope scope, out IReadOnlyList<ColumnShape> shape, string? cteName)
    {
        if (qs.ForClause is not null && !ReferenceEquals(qs, _forClauseOwner)) throw Unsupported("FOR XML/JSON outside a scalar subquery", qs.ForClause);
        var from = qs.FromClause is null ? "" : " FROM " + string.Join(", ", qs.FromClause.TableReferences.Select(t => TableRef(t, scope, cteName)));
        // the rows a per-row function's arguments are read from (a grouped query's are not its rows)
        if (qs.FromClause is not null && qs.GroupByClause is null) scope.FromSql = from[" FROM ".Length..];
        // GROUP BY a string column: groups ignore trailing spaces (rtrim), the column read outside an
        // aggregate becomes any_value(column) — one of the group's actual values, as in SQL Server —
        // and a correlated subquery sees the group key.
        List<string>? groupSql = null;
        if (qs.GroupByClause is { } gb)
        {
            if (gb.GroupByOption != GroupByOption.None) throw Unsupported("GROUP BY " + gb.GroupByOption, gb);
            groupSql = new List<string>();
            // identifiers are case-insensitive: GROUP BY [Code] groups the select list's code
            var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            // a name the select list gives an expression (REPLACE(x) AS X) still means the FROM column in GROUP BY
            var aliases = new HashSet<string>(qs.SelectElements.OfType<SelectScalarExpression>()
                .Where(se => se.ColumnName is not null && !(se.Expression is ColumnReferenceExpression c && c.MultiPartIdentifier?.Identifiers[^1].Value is { } n
                    && string.Equals(n, se.ColumnName.Value, StringComparison.OrdinalIgnoreCase)))
                .Select(se => se.ColumnName!.Value), StringComparer.OrdinalIgnoreCase);
            foreach (var g in gb.GroupingSpecifications)
            {
                if (g is not ExpressionGroupingSpecification eg) throw Unsupported(g.GetType().Name, g);
                var gx = Expr(eg.Expression, scope);
                var emitted = gx.Sql;
                if (aliases.Count > 0 && NamesOneOf(eg.Expression, aliases))
                {
                    scope.QualifiedNames = aliases;
                    try { emitted = Expr(eg.Expression, scope).Sql; }
                    finally { scope.QualifiedNames = null; }
                }
                if (eg.Expression is ColumnReferenceExpression && gx.Type?.IsString == true)
                {
                    groupSql.Add($"rtrim({emitted})");
                    map[gx.Sql] = $"rtrim({emitted})";
                }
                else groupSql.Add(emitted);
            }
            scope.Grouped = map.Count > 0 ? map : null;
        }
        var savedDepth = _aggregateDepth;
        _aggregateDepth = 0;
        try { return SpecBody(qs, scope, out shape, cteName, from, groupSql); }
        finally { _aggregateDepth = savedDepth; }
    }

    /// <summary>Whether the expression names one of <paramref name="names"/> as a column of one part.</summary>
    private static bool NamesOneOf(ScalarExpression e, HashSet<string> names)
    {
        var finder = new OnePartColumns(names);
        e.Accept(finder);
        return finder.Found;
    }

    private sealed class OnePartColumns(HashSet<string> names) : TSqlFragmentVisitor
    {
        public bool Found { get; private set; }
        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier is { Count: 1 } id && names.Contains(id.Identifiers[0].Value)) Found = true;
        }
    }

        private static bool IsConstant(ScalarExpression e) => e switch
    {
        Microsoft.SqlServer.TransactSql.ScriptDom.Literal => true,
        UnaryExpression u => IsConstant(u.Expression),
        ParenthesisExpression p => IsConstant(p.Expression),
        _ => false,
    };

    private int _aggregateDepth;

    private int _aggregatesSeen;

    /// <summary>How many aggregates have been translated so far (an argument that holds one is not a per-row value).</summary>
    internal int AggregatesSeen => _aggregatesSeen;

    internal void EnterAggregate() { _aggregateDepth++; _aggregatesSeen++; }
    internal void LeaveAggregate() => _aggregateDepth--;

    /// <summary>A column reference as a grouped query needs it (see <see cref="Scope.Grouped"/>).</summary>
    internal string Grouped(string sql, IReadOnlyList<string> parts, Scope scope)
    {
        var owner = scope.Owner(parts);
        if (owner?.Grouped is not { } keys || owner.InWhere || !keys.TryGetValue(sql, out var key)) return sql;
        if (owner != scope) return key;
        return _aggregateDepth == 0 ? $"any_value({sql})" : sql;
    }

    private string SpecBody(QuerySpecification qs, Scope scope, out IReadOnlyList<ColumnShape> shape, string? cteName, string from, List<string>? groupSql)
    {
        bool recursive = cteName is not null && from.Contains("/*cte:" + cteName.ToLowerInvariant() + "*/");
        var cols = new List<string>();
        var shapeList = new List<ColumnShape>();
        var distinctKeys = new List<string>();
        bool distinctIsPlain = groupSql is not null;
        int aggregatesBefore = _aggregatesSeen;
        foreach (var el in qs.SelectElements)
        {
            switch (el)
            {
                case SelectScalarExpression se:
                {
                    var x = Expr(se.Expression, scope);
                    string? alias = se.ColumnName?.Value ?? (se.Expression as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers[^1].Value;
                    // a constant tells no rows apart (and DuckDB reads a NULL or a number in DISTINCT ON as a position)
                    if (!IsConstant(se.Expression)) distinctKeys.Add(x.Type?.IsString == true ? $"rtrim({x.Sql})" : x.Sql);
                    cols.Add(alias is null ? x.Sql : $"{x.Sql} AS {Id(alias)}");
                    shapeList.Add(new ColumnShape(alias ?? "", x.Type));
                    break;
                }
                case SelectStarExpression star:
                {
                    distinctIsPlain = true;
                    if (star.Qualifier is null)
                    {
                        cols.Add("*");
                        foreach (var s in scope.Sources) shapeList.AddRange(s.Columns);
                    }
                    else
                    {
                        var qn = star.Qualifier.Identifiers[^1].Value;
                        var src = scope.Sources.FirstOrDefault(s => string.Equals(s.Exposed, qn, StringComparison.OrdinalIgnoreCase));
                        cols.Add(Id(src?.Exposed ?? qn) + ".*");
                        if (src is not null) shapeList.AddRange(src.Columns);
                    }
                    break;
                }
                case SelectSetVariable sv when AssignTargets is not null:
                {
                    var x = Expr(sv.Expression, scope);
                    cols.Add($"{x.Sql} AS {Id("__a" + AssignTargets.Count)}");
                    AssignTargets.Add((sv.Variable.Name, sv.AssignmentKind, x.Type));
                    shapeList.Add(new ColumnShape("__a", x.Type));
                    break;
                }
                case SelectSetVariable sv:
                    throw Unsupported("variable assignment inside a query", sv);
                default: throw Unsupported(el.GetType().Name, el);
            }
        }
        shape = shapeList;
        var sb = new System.Text.StringBuilder("SELECT ");
        // DISTINCT over strings ignores trailing spaces: DISTINCT ON the rtrim'd values keeps one real row.
        if (_aggregatesSeen != aggregatesBefore) distinctIsPlain = true;
        string distinct = qs.UniqueRowFilter != UniqueRowFilter.Distinct ? ""
            : !distinctIsPlain && distinctKeys.Count > 0 && shapeList.Any(c => c.Type?.IsString == true) ? $"DISTINCT ON ({string.Join(", ", distinctKeys)}) " : "DISTINCT ";
        sb.Append(distinct);
        sb.Append(string.Join(", ", cols));
        sb.Append(from);
        if (qs.WhereClause is not null)
        {
            if (qs.WhereClause.Cursor is not null) throw Unsupported("WHERE CURRENT OF", qs.WhereClause);
            scope.InWhere = true; // WHERE filters rows before grouping
            try { sb.Append(" WHERE ").Append(Bool(qs.WhereClause.SearchCondition, scope)); }
            finally { scope.InWhere = false; }
        }
        if (groupSql is not null) sb.Append(" GROUP BY ").Append(string.Join(", ", groupSql));
        if (qs.HavingClause is not null) sb.Append(" HAVING ").Append(Bool(qs.HavingClause.SearchCondition, scope));

        string order = qs.OrderByClause is null ? "" : " " + OrderBy(qs.OrderByClause, scope, shapeList);
        if (qs.TopRowFilter is { } top)
        {
            var n = Expr(top.Expression, scope);
            if (top.WithTies)
            {
                if (qs.OrderByClause is null) throw Unsupported("TOP … WITH TIES without ORDER BY", top);
                var over = OrderBy(qs.OrderByClause, scope, shapeList);
                sb.Insert("SELECT ".Length + distinct.Length, $"rank() OVER ({over}) AS \"__rank\", ");
                var inner = sb.ToString();
                return $"SELECT * EXCLUDE (\"__rank\") FROM ({inner}) AS \"__ties\" WHERE \"__rank\" <= {n.Sql} ORDER BY \"__rank\"";
            }
            if (top.Percent)
            {
                // TOP (n) PERCENT: the first ceil(count * n / 100) rows in ORDER BY order.
                var over = qs.OrderByClause is null ? "" : OrderBy(qs.OrderByClause, scope, shapeList);
                sb.Insert("SELECT ".Length + distinct.Length, $"row_number() OVER ({over}) AS \"__rn\", count(*) OVER () AS \"__cnt\", ");
                return $"SELECT * EXCLUDE (\"__rn\", \"__cnt\") FROM ({sb}) AS \"__pct\" WHERE \"__rn\" <= ceil(\"__cnt\" * ({n.Sql}) / 100.0) ORDER BY \"__rn\"";
            }
            sb.Append(order);
            sb.Append($" LIMIT {n.Sql}");
            return sb.ToString();
        }
        if (qs.OffsetClause is not null)
        {
            sb.Append(order);
            sb.Append($" OFFSET {Expr(qs.OffsetClause.OffsetExpression, scope).Sql} LIMIT {Expr(qs.OffsetClause.FetchExpression, scope).Sql}");
            return sb.ToString();
        }
        sb.Append(order);
        return sb.ToString() + (recursive ? " /*recursive*/" : "");
    }

    internal string OrderBy(OrderByClause ob, Scope scope, IReadOnlyList<ColumnShape>? selectShape = null)
    {
        return "ORDER BY " + string.Join(", ", ob.OrderByElements.Select(o =>
        {
            string sql;
            if (o.Expression is IntegerLiteral pos) sql = pos.Value;
            else if (o.Expression is ColumnReferenceExpression { MultiPartIdentifier.Count: 1 } cr && selectShape is not null &&
                     scope.ColumnType(new[] { cr.MultiPartIdentifier.Identifiers[0].Value }) is null &&
                     selectShape.Any(c => string.Equals(c.Name, cr.MultiPartIdentifier.Identifiers[0].Value, StringComparison.OrdinalIgnoreCase)))
                sql = Id(cr.MultiPartIdentifier.Identifiers[0].Value);
            else sql = Expr(o.Expression, scope).Sql;
            // SQL Server: NULLs are the lowest values.
            return o.SortOrder == SortOrder.Descending ? sql + " DESC NULLS LAST" : sql + " ASC NULLS FIRST";
        }));
    }

    /// <summary>A FROM item; adds its shape to the scope.</summary>
    public string TableRef(TableReference t, Scope scope, string? cteName = null)
    {
        switch (t)
        {
            case NamedTableReference n:
            {
                if (n.TableSampleClause is not null) throw Unsupported("TABLESAMPLE", n);
                var name = n.SchemaObject;
                // a linked server's table (server.database.schema.name) is read as that database's: the
                // sandbox is one server, and the other database's project, externalObjects or a stand-in gives its shape
                string baseName = name.BaseIdentifier.Value;
                string? alias = n.Alias?.Value;
                if (name.SchemaIdentifier is null && scope.FindCte(baseName) is { } cteShape)
                {
                    scope.Sources.Add(new SourceShape(alias ?? baseName, cteShape));
                    return Id(baseName) + (alias is null ? "" : " AS " + Id(alias)) + (cteName is not null && string.Equals(baseName, cteName, StringComparison.OrdinalIgnoreCase) ? "/*cte:" + cteName.ToLowerInvariant() + "*/" : "");
                }
                if (baseName.StartsWith('#'))
                {
                    var lt = Env.LocalTable(baseName) ?? throw new SandboxRuntimeError(208, $"Invalid object name '{baseName}'.");
                    scope.Sources.Add(new SourceShape(alias ?? baseName, lt.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
                    return Id(lt.PhysicalName) + " AS " + Id(alias ?? baseName);
                }
                var qn = DdlReader.ReferenceOf(name);
                if (qn.Database is not null && SystemViews.IsServerScoped(qn) && Env.Catalog.Find(qn) is null) qn = qn.WithoutDatabase;
                if (qn.Database is null && SystemViews.IsSystem(qn) && Env.Catalog.Find(qn) is null)
                {
                    if (Env.AnyMadeView()) throw Unsupported($"system view {qn} after the code made a view or a table", n, "the sandbox answers it over the workspace's catalog, which does not list what the code made");
                    var view = SystemViews.Of(qn, Env) ?? throw Unsupported($"system view {qn}", n, "the sandbox answers INFORMATION_SCHEMA.TABLES/COLUMNS/VIEWS/ROUTINES/PARAMETERS, sys.schemas/objects/tables/views/procedures/columns/parameters/databases and sys.dm_exec_sessions/dm_db_partition_stats");
                    scope.Sources.Add(new SourceShape(alias ?? baseName, view.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
                    var list = view.Rows.ToList();
                    var refused = SystemViews.Refused(view.Columns, list);
                    string Inline() => SystemViews.RowsSql(view.Columns, list, refused);
                    // dynamic management views follow the session from statement to statement (few rows): inlined each time
                    var rows = qn.Name.StartsWith("dm_", StringComparison.OrdinalIgnoreCase) ? Inline() : Env.SystemViewTable?.Invoke(qn, Inline) ?? Inline();
                    return SystemViews.Select(qn.ToString(), view.Columns, refused, rows) + " AS " + Id(alias ?? baseName);
                }
                // a table the code made (SELECT … INTO) before a stand-in of the same name, which only guessed it exists
                if (qn.Database is null && Env.MadeTable(qn) is { } madeTable)
                {
                    scope.Sources.Add(new SourceShape(alias ?? baseName, madeTable.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
                    return Id(madeTable.PhysicalName) + " AS " + Id(alias ?? baseName);
                }
                var def = Env.Catalog.Find(qn);
                if (def is null && qn.Database is null && Env.MadeView(qn) is { } made)
                {
                    scope.Sources.Add(new SourceShape(alias ?? baseName, made));
                    return Table(qn) + " AS " + Id(alias ?? baseName);
                }
                // another database's object the catalog has no shape for (a system view such as master.sys.dm_exec_sessions)
                if (def is null && qn.Database is not null) throw Unsupported($"cross-database reference to {qn}", n, "not in the workspace, externalObjects or the stand-ins");
                if (def is null || def.Kind is TableKind.TableType or TableKind.FunctionResult)
                    throw new SandboxRuntimeError(208, $"Invalid object name '{qn}'.");
                qn = def.Name; // a three-part name of the workspace's own database is its own object
                if (Env.ObjectProblem(qn) is { } problem)
                {
                    if (def.Kind == TableKind.View && ExpandView(qn, alias ?? baseName, scope) is { } expanded) return expanded;
                    throw problem switch
                    {
                        UnsupportedConstructException u => new UnsupportedConstructException(u.Construct, u.Location, def.Kind == TableKind.View ? $"used through view {qn}" : u.Detail),
                        InternalErrorException i => new InternalErrorException(i.Subject, i.Statement, i.Location, i.InnerException!),
                        SandboxRuntimeError r => new SandboxRuntimeError(r.Number, r.Message, r.Severity, r.State),
                        _ => problem,
                    };
                }
                Env.Referenced?.Invoke(qn);
                scope.Sources.Add(new SourceShape(alias ?? baseName, def.Columns.Select(c => new ColumnShape(c.Name, c.Computed is null && c.Type.Name != "sql_variant" ? c.Type : null)).ToList(), qn));
                return Table(qn) + " AS " + Id(alias ?? baseName);
            }
            case VariableTableReference v:
            {
                var lt = Env.LocalTable(v.Variable.Name) ?? throw Unsupported($"undeclared table variable {v.Variable.Name}", v);
                string exposed = v.Alias?.Value ?? v.Variable.Name;
                scope.Sources.Add(new SourceShape(exposed, lt.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
                return Id(lt.PhysicalName) + " AS " + Id(exposed);
            }
            case QualifiedJoin j:
            {
                int first = scope.Sources.Count;
                var l = TableRef(j.FirstTableReference, scope, cteName);
                int second = scope.Sources.Count;
                var r = TableRef(j.SecondTableReference, scope, cteName);
                var rightSources = scope.Sources.Skip(second).ToList();
                if (OuterJoinWithSubquery(j, l, r, rightSources, scope.Sources.Skip(first).ToList(), scope) is { } lateral) return lateral;
                string kind = j.QualifiedJoinType switch
                {
                    QualifiedJoinType.Inner => "JOIN",
                    QualifiedJoinType.LeftOuter => "LEFT JOIN",
                    QualifiedJoinType.RightOuter => "RIGHT JOIN",
                    _ => "FULL JOIN",
                };
                if (j.JoinHint != JoinHint.None) { /* hints do not change results */ }
                return $"{l} {kind} {r} ON {Bool(j.SearchCondition, scope)}";
            }
            case UnqualifiedJoin u:
            {
                var l = TableRef(u.FirstTableReference, scope, cteName);
                if (u.UnqualifiedJoinType is UnqualifiedJoinType.CrossApply or UnqualifiedJoinType.OuterApply
                    && u.SecondTableReference is SchemaObjectFunctionTableReference applied
                    && PerRowTableFunction(l, applied, u.UnqualifiedJoinType == UnqualifiedJoinType.OuterApply, scope) is { } perRow)
                    return perRow;
                var r = TableRef(u.SecondTableReference, scope, cteName);
                return u.UnqualifiedJoinType switch
                {
                    UnqualifiedJoinType.CrossJoin => $"{l} CROSS JOIN {r}",
                    UnqualifiedJoinType.CrossApply => $"{l} CROSS JOIN LATERAL {r}",
                    UnqualifiedJoinType.OuterApply => $"{l} LEFT JOIN LATERAL {r} ON true",
                    _ => throw Unsupported(u.UnqualifiedJoinType.ToString(), u),
                };
            }
            case JoinParenthesisTableReference jp: return "(" + TableRef(jp.Join, scope, cteName) + ")";
            case PivotedTableReference pv: return Pivot(pv, scope);
            case UnpivotedTableReference up: return Unpivot(up, scope);
            case QueryDerivedTable d:
            {
                var sql = Query(d.QueryExpression, new Scope(scope), out var shape);
                var cols = d.Columns.Select(c => c.Value).ToList();
                if (cols.Count > 0) shape = cols.Select((c, i) => new ColumnShape(c, i < shape.Count ? shape[i].Type : null)).ToList();
                string alias = d.Alias?.Value ?? "__derived";
                scope.Sources.Add(new SourceShape(alias, shape));
                return $"({sql}) AS {Id(alias)}" + (cols.Count > 0 ? "(" + string.Join(", ", cols.Select(Id)) + ")" : "");
            }
            case InlineDerivedTable iv:
            {
                var rows = iv.RowValues.Select(r => r.ColumnValues.Select(v => Expr(v, scope)).ToList()).ToList();
                var cols = iv.Columns.Select(c => c.Value).ToList();
                var types = Enumerable.Range(0, cols.Count).Select(i => Dominant(rows.Select(r => r[i]))).ToList();
                string alias = iv.Alias.Value;
                scope.Sources.Add(new SourceShape(alias, cols.Select((c, i) => new ColumnShape(c, types[i])).ToList()));
                var values = string.Join(", ", rows.Select(r => "(" + string.Join(", ", r.Select((x, i) => Coerce(x, types[i], iv).Sql)) + ")"));
                return $"(VALUES {values}) AS {Id(alias)}({string.Join(", ", cols.Select(Id))})";
            }
            case GlobalFunctionTableReference f when f.Name.Value.Equals("STRING_SPLIT", StringComparison.OrdinalIgnoreCase):
            {
                // STRING_SPLIT(string, separator [, enable_ordinal]): one row per piece, column value (and ordinal).
                var a = f.Parameters.Select(p => Expr(p, scope)).ToList();
                string alias = f.Alias?.Value ?? "STRING_SPLIT";
                bool ordinal = a.Count > 2 && a[2].Sql.Trim() == "1";
                var valueType = a[0].Type is { IsString: true } st ? st : NVarMax;
                var shape = new List<ColumnShape> { new("value", valueType) };
                if (ordinal) shape.Add(new ColumnShape("ordinal", BigInt));
                scope.Sources.Add(new SourceShape(alias, shape));
                string pieces = $"string_split({AsText(a[0])}, {AsText(a[1])})";
                string select = ordinal
                    ? $"SELECT unnest({pieces}) AS \"value\", CAST(unnest(generate_series(1, len({pieces}))) AS BIGINT) AS \"ordinal\""
                    : $"SELECT unnest({pieces}) AS \"value\"";
                return $"({select}) AS {Id(alias)}";
            }
            case OpenJsonTableReference oj: return OpenJson(oj, scope);
            case VariableMethodCallTableReference vm:
                return XmlNodes(Expr(vm.Variable, scope), vm.MethodName.Value, vm.Parameters, vm.Alias?.Value, vm.Columns, vm, scope);
            case SchemaObjectFunctionTableReference xf when xf.SchemaObject.BaseIdentifier.Value.Equals("nodes", StringComparison.OrdinalIgnoreCase)
                && xf.SchemaObject.SchemaIdentifier is not null && xf.SchemaObject.ServerIdentifier is null
                && Env.Function(new QualifiedName(xf.SchemaObject.SchemaIdentifier.Value, "nodes")) is null:
            {
                // t.col.nodes('path') AS X(C): the identifiers before "nodes" name an xml column
                var column = new MultiPartIdentifier();
                foreach (var id in new[] { xf.SchemaObject.DatabaseIdentifier, xf.SchemaObject.SchemaIdentifier }.OfType<Identifier>()) column.Identifiers.Add(id);
                var target = Expr(new ColumnReferenceExpression { ColumnType = ColumnType.Regular, MultiPartIdentifier = column }, scope);
                return XmlNodes(target, "nodes", xf.Parameters, xf.Alias?.Value, xf.Columns, xf, scope);
            }
            case SchemaObjectFunctionTableReference f:
            {
                var qn = new QualifiedName(f.SchemaObject.SchemaIdentifier?.Value, f.SchemaObject.BaseIdentifier.Value);
                var fn = Env.Function(qn) ?? throw Unsupported($"table-valued function {qn}", f, "not in the workspace");
                string alias = f.Alias?.Value ?? qn.Name;
                var args = f.Parameters.Select(p => Expr(p, scope)).ToList();
                return TableFunction(fn, args, f, alias, scope);
            }
            default:
                throw Unsupported(t.GetType().Name, t);
        }
    }

    /// <summary>
    /// Inline TVFs are expanded in place (parameters become the argument SQL); multi-statement TVFs
    /// are run by the interpreter on constant arguments into a local table.
    /// </summary>
    private string TableFunction(FunctionStatementBody fn, List<Tx> args, TSqlFragment at, string alias, Scope scope)
    {
        var pars = fn.Parameters;
        if (args.Count != pars.Count) throw new SandboxRuntimeError(313, $"An insufficient number of arguments were supplied for the procedure or function {fn.Name.BaseIdentifier.Value}.");
        if (fn.ReturnType is SelectFunctionReturnType sel)
        {
            var saved = Env.Variable;
            var bound = new Dictionary<string, VariableInfo>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < pars.Count; i++)
            {
                var pt = DataTypes.From(pars[i].DataType, Env.Catalog.AliasTypes);
                bound[pars[i].VariableName.Value] = new VariableInfo(pt, null, Coerce(args[i], pt, at).Sql);
            }
            Env.Variable = n => bound.TryGetValue(n, out var v) ? v : null;
            try
            {
                // The body's CTEs are in scope of its query: translate them first (`RETURN WITH … SELECT`).
                var inner = new Scope(null);
                var w = sel.SelectStatement.WithCtesAndXmlNamespaces;
                var sql = (w is null ? "" : With(w, inner)) + Query(sel.SelectStatement.QueryExpression, inner, out var shape);
                scope.Sources.Add(new SourceShape(alias, shape));
                return $"({sql}) AS {Id(alias)}";
            }
            finally { Env.Variable = saved; }
        }
        if (fn.ReturnType is TableValuedFunctionReturnType && Env.CallTableFunction is not null && Env.Evaluate is not null)
        {
            var values = new List<(object?, SqlType)>();
            for (int i = 0; i < args.Count; i++)
            {
                if (args[i].Sql.Contains('"')) throw Unsupported("multi-statement table-valued function with column arguments (CROSS APPLY)", at);
                var pt = DataTypes.From(pars[i].DataType, Env.Catalog.AliasTypes);
                values.Add((Env.Evaluate(Coerce(args[i], pt, at).Sql, pt), pt));
            }
            var lt = Env.CallTableFunction(fn, values, at);
            scope.Sources.Add(new SourceShape(alias, lt.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
            return Id(lt.PhysicalName) + " AS " + Id(alias);
        }
        throw Unsupported($"multi-statement table-valued function {fn.Name.SchemaIdentifier?.Value}.{fn.Name.BaseIdentifier.Value} in a view or with column arguments", at);
    }
}
