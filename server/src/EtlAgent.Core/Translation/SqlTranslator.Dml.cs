using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>A translated data-modification statement, ready for the interpreter.</summary>
public sealed record DmlPlan(
    string Sql,
    /// <summary>The statement ends in RETURNING (its rows are the OUTPUT).</summary>
    bool Returns,
    /// <summary>The target table (catalog name or local physical name).</summary>
    string TargetPhysical,
    QualifiedName? TargetTable,
    /// <summary>Runs first; a non-empty result means a target row matched twice (MERGE, error 8672).</summary>
    string? DoubleMatchCheck = null,
    /// <summary>OUTPUT … INTO: where the returned rows go, and its column list.</summary>
    TableReference? OutputInto = null,
    IReadOnlyList<string>? OutputIntoColumns = null,
    /// <summary>INSERT … EXEC: the procedure call whose result set feeds the insert.</summary>
    ExecuteInsertSource? ExecSource = null,
    IReadOnlyList<string>? InsertColumns = null,
    /// <summary>Run before and after the statement (MERGE … OUTPUT deleted.* snapshots the target).</summary>
    IReadOnlyList<string>? Before = null,
    IReadOnlyList<string>? After = null,
    /// <summary>
    /// MERGE … OUTPUT deleted.* with UPDATE: the RETURNING rows (action + new target row) are put in
    /// a table with these columns, and this SELECT ({0} = that table) computes the OUTPUT from them
    /// and the pre-MERGE snapshot.
    /// </summary>
    string? PostSelect = null,
    IReadOnlyList<(string Name, SqlType? Type)>? PostColumns = null,
    /// <summary>A MERGE run as separate statements (then <see cref="Sql"/> is empty).</summary>
    StagedMerge? Staged = null,
    /// <summary>
    /// When set, <see cref="Sql"/> returns no rows: this SELECT, run after it (before <see cref="After"/>),
    /// gives the OUTPUT rows (UPDATE … OUTPUT deleted.*, read from a snapshot taken in <see cref="Before"/>).
    /// </summary>
    string? OutputSelect = null)
{
    /// <summary>An INSERT that gives the identity column its values (IDENTITY_INSERT ON): the identity then goes on after the largest.</summary>
    public ColumnDef? ExplicitIdentity { get; init; }
}

public sealed partial class SqlTranslator
{

    private sealed record Target(string Physical, string Exposed, IReadOnlyList<ColumnDef> Columns, QualifiedName? Table, string? CteSql = null, string? CteBase = null);

    private Target ResolveTarget(TableReference tr, Scope scope, FromClause? from)
    {
        switch (tr)
        {
            case VariableTableReference v:
            {
                var lt = Env.LocalTable(v.Variable.Name) ?? throw Unsupported($"undeclared table variable {v.Variable.Name}", v);
                return new Target(Id(lt.PhysicalName), v.Variable.Name, lt.Columns, null);
            }
            case NamedTableReference n:
            {
                var resolved = ResolveNamedTarget(n, scope, from);
                // UPDATE [s].[t] … FROM #w AS w JOIN [s].[t] AS p: the target is the FROM's one reference
                // to the same table (UPDATE (Transact-SQL): "If the object being updated is the same as the
                // object in the FROM clause and there is only one reference to the object in the FROM
                // clause, an object alias may or may not be specified")
                return from is not null && n.Alias is null && resolved.CteSql is null ? resolved with { Exposed = ExposedInFrom(n, from, resolved.Exposed) } : resolved;
            }
            default: throw Unsupported($"{tr.GetType().Name} as a DML target", tr);
        }
    }

    private Target ResolveNamedTarget(NamedTableReference n, Scope scope, FromClause? from)
    {
        string name = n.SchemaObject.BaseIdentifier.Value;
        if (n.SchemaObject.SchemaIdentifier is null)
        {
            // UPDATE alias / DELETE alias: the alias of a table in FROM.
            if (from is not null && FindAliased(from.TableReferences, name) is NamedTableReference or VariableTableReference)
            {
                var aliased = FindAliased(from.TableReferences, name)!;
                var t = ResolveTarget(aliased is NamedTableReference nt ? CloneWithoutAlias(nt) : aliased, scope, null);
                return t with { Exposed = name };
            }
            if (scope.FindCte(name) is not null) return new Target("", name, Array.Empty<ColumnDef>(), null, CteSql: name);
        }
        if (name.StartsWith('#')) // #t, or tempdb..#t
        {
            var lt = Env.LocalTable(name) ?? throw new SandboxRuntimeError(208, $"Invalid object name '{name}'.");
            return new Target(Id(lt.PhysicalName), n.Alias?.Value ?? name, lt.Columns, null);
        }
        var qn = DdlReader.ReferenceOf(n.SchemaObject);
        if (qn.Database is null && Env.MadeTable(qn) is { } made)
            return new Target(Id(made.PhysicalName), n.Alias?.Value ?? name, made.Columns, null);
        var def = Env.Catalog.Find(qn);
        if (def is null && qn.Database is not null) throw Unsupported($"cross-database reference to {qn}", n, "not in the workspace, externalObjects or the stand-ins");
        if (def is null || def.Kind != TableKind.Table)
            throw def?.Kind == TableKind.View || (def is null && Env.MadeView(qn) is not null) ? Unsupported("modifying a view", n) : new SandboxRuntimeError(208, $"Invalid object name '{qn}'.");
        qn = def.Name;
        Env.Referenced?.Invoke(qn);
        return new Target(Table(qn), n.Alias?.Value ?? name, def.Columns, qn);
    }

    /// <summary>
    /// The name the target goes by in FROM: its own when FROM names it so, else the alias of the one
    /// reference FROM makes to the same table; its own name when there is none or several.
    /// </summary>
    private string ExposedInFrom(NamedTableReference target, FromClause from, string exposed)
    {
        var named = JoinTree.Walk(from.TableReferences).OfType<JoinLeaf>().Select(l => l.Source).OfType<NamedTableReference>().ToList();
        if (named.Any(r => string.Equals(r.Alias?.Value ?? r.SchemaObject.BaseIdentifier.Value, exposed, StringComparison.OrdinalIgnoreCase))) return exposed;
        var key = ObjectKey(target);
        var same = key is null ? new List<NamedTableReference>() : named.Where(r => r.Alias is not null && ObjectKey(r) == key).ToList();
        return same.Count == 1 ? same[0].Alias!.Value : exposed;
    }

    /// <summary>What a table reference names, comparable across spellings ([s].[t], s.t, db.s.t of this database): null when it names nothing known.</summary>
    private string? ObjectKey(NamedTableReference r)
    {
        var name = r.SchemaObject.BaseIdentifier?.Value;
        if (name is null) return null;
        if (name.StartsWith('#')) return name.ToLowerInvariant();
        var qn = DdlReader.ReferenceOf(r.SchemaObject);
        if (qn.Database is null && Env.MadeTable(qn) is { } made) return made.PhysicalName;
        return Env.Catalog.Find(qn)?.Name.ToString().ToLowerInvariant();
    }

    private static NamedTableReference CloneWithoutAlias(NamedTableReference n) => new() { SchemaObject = n.SchemaObject };

    private static TableReference? FindAliased(IEnumerable<TableReference> refs, string alias) =>
        JoinTree.Walk(refs).OfType<JoinLeaf>().Select(leaf => leaf.Source).FirstOrDefault(r => r switch
        {
            NamedTableReference n => string.Equals(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value, alias, StringComparison.OrdinalIgnoreCase),
            VariableTableReference v => string.Equals(v.Alias?.Value ?? v.Variable.Name, alias, StringComparison.OrdinalIgnoreCase),
            _ => false,
        });

    /// <summary>Value assigned to a column: conversions as SQL Server does them implicitly (length is checked by the table).</summary>
    internal Tx Assign(Tx x, SqlType to, TSqlFragment at)
    {
        if (x.IsNullLiteral) return new Tx($"CAST(NULL AS {DuckTypes.Of(to)})", to);
        if (to.IsString)
        {
            var text = x.Type is null || x.Type.IsString ? x : Cast(x, to with { Length = SqlType.Max }, false, null, at);
            if (DuckTypes.MaxChars(to) is not int n) return text;
            // Trailing spaces beyond the length are dropped silently (a longer value still fails with
            // 2628 in the table's check); char(n)/nchar(n) pad with spaces.
            string fitted = $"CASE WHEN length({text.Sql}) > {n} AND length(rtrim({text.Sql})) <= {n} THEN left({text.Sql}, {n}) ELSE {text.Sql} END";
            return new Tx(to.Name is "char" or "nchar" ? $"rpad({fitted}, CAST(greatest({n}, length({fitted})) AS INTEGER), ' ')" : fitted, to);
        }
        if (x.Type is null && x.StringConstant is null) return x;
        if (x.Type is not null && x.Type.Name == to.Name && !(to.IsDecimal && x.Type.Scale != to.Scale)) return x;
        return Cast(x, to, false, null, at);
    }

    private static ColumnDef Col(IReadOnlyList<ColumnDef> cols, string name, TSqlFragment at, SqlTranslator t) =>
        cols.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new SandboxRuntimeError(207, $"Invalid column name '{name}'.");

    /// <param name="pseudoColumns">When given, inserted.* and deleted.* are expanded to these columns through <paramref name="pseudo"/>.</param>
    private string Returning(OutputClause? output, OutputIntoClause? into, Scope scope, Func<string, string, string?> pseudo, out bool returns,
        IReadOnlyList<ColumnDef>? pseudoColumns = null)
    {
        var clause = (IList<SelectElement>?)output?.SelectColumns ?? into?.SelectColumns;
        returns = clause is not null;
        if (clause is null) return "";
        var s = new Scope(scope) { PseudoTable = pseudo };
        var items = new List<string>();
        foreach (var el in clause)
        {
            switch (el)
            {
                case SelectScalarExpression se:
                {
                    var x = Expr(se.Expression, s);
                    string alias = se.ColumnName?.Value ?? (se.Expression as ColumnReferenceExpression)?.MultiPartIdentifier?.Identifiers[^1].Value
                        ?? (se.Expression is ColumnReferenceExpression { ColumnType: ColumnType.PseudoColumnAction } ? "$action" : "column" + items.Count);
                    items.Add($"{x.Sql} AS {Id(alias)}");
                    break;
                }
                case SelectStarExpression star when pseudoColumns is not null:
                {
                    var table = star.Qualifier?.Identifiers[^1].Value.ToLowerInvariant();
                    if (table is not ("inserted" or "deleted")) throw Unsupported("* in MERGE … OUTPUT without inserted. or deleted.", star);
                    foreach (var c in pseudoColumns)
                        items.Add($"{pseudo(table, c.Name)} AS {Id(c.Name)}");
                    break;
                }
                case SelectStarExpression:
                    items.Add("*");
                    break;
                default: throw Unsupported(el.GetType().Name + " in OUTPUT", el);
            }
        }
        return " RETURNING " + string.Join(", ", items);
    }

    public DmlPlan Insert(InsertStatement stmt)
    {
        var scope = new Scope(null);
        var with = With(stmt.WithCtesAndXmlNamespaces, scope);
        var spec = stmt.InsertSpecification;
        if (spec.TopRowFilter is not null) throw Unsupported("INSERT TOP", spec.TopRowFilter);
        var target = ResolveTarget(spec.Target, scope, null);
        var names = spec.Columns.Count > 0
            ? spec.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
            : target.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList();
        var cols = names.Select(n => Col(target.Columns, n, spec, this)).ToList();
        bool identityInsert = Env.IdentityInsert(target.Physical);
        var idc = cols.FirstOrDefault(c => c.Identity);
        if (idc is not null && !identityInsert)
            throw new SandboxRuntimeError(544, $"Cannot insert explicit value for identity column in table '{target.Exposed}' when IDENTITY_INSERT is set to OFF.");
        if (identityInsert && spec.Columns.Count == 0)
            throw new SandboxRuntimeError(8101, $"An explicit value for the identity column in table '{target.Exposed}' can only be specified when a column list is used and IDENTITY_INSERT is ON.");
        if (identityInsert && idc is null)
            throw new SandboxRuntimeError(545, $"Explicit value must be specified for identity column in table '{target.Exposed}' either when IDENTITY_INSERT is set to ON or when a replication user is inserting into a NOT FOR REPLICATION identity column.");
        string colList = "(" + string.Join(", ", cols.Select(c => Id(c.Name))) + ")";
        string source;
        switch (spec.InsertSource)
        {
            case ValuesInsertSource v when v.IsDefaultValues: source = "DEFAULT VALUES"; colList = ""; break;
            case ValuesInsertSource v:
                source = "VALUES " + string.Join(", ", v.RowValues.Select(r =>
                {
                    if (InsertArity.Mismatch(spec.Columns.Count > 0, true, cols.Count, r.ColumnValues.Count) is { } wrong) throw wrong;
                    return "(" + string.Join(", ", r.ColumnValues.Select((x, i) => x is DefaultLiteral ? "DEFAULT" : Assign(Expr(x, new Scope(scope)), cols[i].Type, x).Sql)) + ")";
                }));
                break;
            case SelectInsertSource s:
            {
                var q = Query(s.Select, new Scope(scope), out var shape);
                if (!shape.Any(c => c.Name == "*") && InsertArity.Mismatch(spec.Columns.Count > 0, false, cols.Count, shape.Count) is { } wrong) throw wrong;
                if (shape.Count == cols.Count && !shape.Any(c => c.Name == "*"))
                {
                    var conv = cols.Select((c, i) => Assign(new Tx($"\"__src\".{Id("c" + i)}", shape[i].Type), c.Type, s).Sql).ToList();
                    source = $"SELECT {string.Join(", ", conv)} FROM ({q}) AS \"__src\"({string.Join(", ", shape.Select((_, i) => Id("c" + i)))})";
                }
                else source = q;
                break;
            }
            case ExecuteInsertSource ex:
                return new DmlPlan("", false, target.Physical, target.Table, ExecSource: ex, InsertColumns: cols.Select(c => c.Name).ToList()) { ExplicitIdentity = idc };
            default: throw Unsupported(spec.InsertSource.GetType().Name, spec.InsertSource);
        }
        var ret = Returning(spec.OutputClause, spec.OutputIntoClause, scope, (pt, col) => pt == "inserted" ? Id(col) : null, out bool returns);
        return new DmlPlan($"{with}INSERT INTO {target.Physical} {colList} {source}{ret}", returns, target.Physical, target.Table,
            OutputInto: spec.OutputIntoClause?.IntoTable, OutputIntoColumns: spec.OutputIntoClause?.IntoTableColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()) { ExplicitIdentity = idc };
    }

    /// <summary>A value computed outside DuckDB, already converted to <paramref name="target"/>, or false when not certain.</summary>
    public delegate bool LocalValue(ScalarExpression e, SqlType target, out object? value);

    /// <summary>
    /// An INSERT of rows of values (VALUES, or a SELECT with no FROM, WHERE or other clause) whose
    /// every value <paramref name="compute"/> gives, as an INSERT of literals: DuckDB then binds
    /// constants only, which is most of what such a statement costs in a loop. Null for any other
    /// shape (OUTPUT, WITH, TOP, an identity column, a count mismatch) or when a value is not
    /// certain: the caller then translates it with <see cref="Insert"/>, which raises what is wrong.
    /// Constraints (NOT NULL, keys, CHECK, string lengths) stay the table's, checked by DuckDB.
    /// </summary>
    public DmlPlan? InsertOfComputedValues(InsertStatement stmt, LocalValue compute)
    {
        var spec = stmt.InsertSpecification;
        if (stmt.WithCtesAndXmlNamespaces is not null || spec.TopRowFilter is not null || spec.OutputClause is not null || spec.OutputIntoClause is not null
            || spec.Target is not (VariableTableReference or NamedTableReference)) return null;
        IList<IList<ScalarExpression>> rows;
        switch (spec.InsertSource)
        {
            case ValuesInsertSource { IsDefaultValues: false } v:
                rows = v.RowValues.Select(r => (IList<ScalarExpression>)r.ColumnValues).ToList();
                break;
            case SelectInsertSource { Select: QuerySpecification q } when q.FromClause is null && q.WhereClause is null && q.GroupByClause is null
                && q.HavingClause is null && q.OrderByClause is null && q.TopRowFilter is null && q.OffsetClause is null && q.ForClause is null
                && q.UniqueRowFilter != UniqueRowFilter.Distinct && q.SelectElements.All(e => e is SelectScalarExpression):
                rows = new[] { (IList<ScalarExpression>)q.SelectElements.Cast<SelectScalarExpression>().Select(e => e.Expression).ToList() };
                break;
            default:
                return null;
        }
        var target = ResolveTarget(spec.Target, new Scope(null), null);
        if (target.CteSql is not null || Env.IdentityInsert(target.Physical)) return null;
        var names = spec.Columns.Count > 0
            ? spec.Columns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList()
            : target.Columns.Where(c => !c.IsGenerated).Select(c => c.Name).ToList();
        var cols = names.Select(n => target.Columns.FirstOrDefault(c => string.Equals(c.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (cols.Any(c => c is null || c.Identity || c.IsGenerated) || cols.Distinct().Count() != cols.Count || rows.Any(r => r.Count != cols.Count)) return null;
        var literals = new List<string>();
        foreach (var row in rows)
        {
            var items = new List<string>();
            for (int i = 0; i < row.Count; i++)
            {
                if (row[i] is DefaultLiteral) { items.Add("DEFAULT"); continue; }
                if (!compute(row[i], cols[i]!.Type, out var value)) return null;
                items.Add(Literal(value, cols[i]!.Type));
            }
            literals.Add("(" + string.Join(", ", items) + ")");
        }
        return new DmlPlan($"INSERT INTO {target.Physical} ({string.Join(", ", cols.Select(c => Id(c!.Name)))}) VALUES {string.Join(", ", literals)}",
            false, target.Physical, target.Table);
    }

    /// <param name="current">The alias that qualifies the column's current value in compound assignments (+=), where it could be ambiguous.</param>
    private List<(string Col, Tx Value)> SetClauses(IList<SetClause> clauses, IReadOnlyList<ColumnDef> cols, Scope scope, string? current = null)
    {
        var list = new List<(string, Tx)>();
        foreach (var sc in clauses)
        {
            if (sc is not AssignmentSetClause a) throw Unsupported(sc.GetType().Name, sc);
            if (a.Variable is not null) throw Unsupported("SET @variable = column = expression", a);
            var name = a.Column.MultiPartIdentifier.Identifiers[^1].Value;
            var col = Col(cols, name, a, this);
            var value = Expr(a.NewValue, scope);
            if (a.AssignmentKind != AssignmentKind.Equals)
            {
                var cur = new Tx(current is null ? Id(col.Name) : $"{current}.{Id(col.Name)}", col.Type);
                string op = a.AssignmentKind switch
                {
                    AssignmentKind.AddEquals => col.Type.IsString ? "||" : "+", AssignmentKind.SubtractEquals => "-", AssignmentKind.MultiplyEquals => "*",
                    AssignmentKind.DivideEquals => "/", AssignmentKind.ModEquals => "%", _ => throw Unsupported(a.AssignmentKind.ToString(), a),
                };
                value = op == "/" ? new Tx(col.Type.IsInteger ? $"tsql_idiv({cur.Sql}, {value.Sql})" : $"tsql_div({cur.Sql}, {value.Sql})", col.Type)
                    : op == "%" ? new Tx($"tsql_mod({cur.Sql}, {value.Sql})", col.Type) : new Tx($"({cur.Sql} {op} {value.Sql})", col.Type);
            }
            list.Add((col.Name, Assign(value, col.Type, a)));
        }
        return list;
    }

    public DmlPlan Update(UpdateStatement stmt)
    {
        var scope = new Scope(null);
        var with = With(stmt.WithCtesAndXmlNamespaces, scope);
        var spec = stmt.UpdateSpecification;
        if (spec.TopRowFilter is not null) throw Unsupported("UPDATE TOP", spec.TopRowFilter);
        if (spec.WhereClause?.Cursor is not null) throw Unsupported("WHERE CURRENT OF", spec.WhereClause);
        var target = ResolveTarget(spec.Target, scope, spec.FromClause);
        if (target.CteSql is not null) return UpdateThroughCte(stmt, target, scope, with);
        var outputCols = (IEnumerable<SelectElement>?)spec.OutputClause?.SelectColumns ?? spec.OutputIntoClause?.SelectColumns ?? Enumerable.Empty<SelectElement>();
        if (outputCols.Any(c => ReferencesDeleted(c)))
            return UpdateOutputtingDeleted(stmt, target, scope, with);
        var ret = Returning(spec.OutputClause, spec.OutputIntoClause, scope, (pt, col) => pt == "inserted" ? Id(col) : null, out bool returns);
        var intoCols = spec.OutputIntoClause?.IntoTableColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList();
        if (spec.FromClause is null)
        {
            scope.Sources.Add(new SourceShape(target.Exposed, target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
            scope.FromSql = $"{target.Physical} AS {Id(target.Exposed)}";
            var sets = SetClauses(spec.SetClauses, target.Columns, scope);
            var where = spec.WhereClause is null ? "" : " WHERE " + Bool(spec.WhereClause.SearchCondition, scope);
            string alias = " AS " + Id(target.Exposed);
            return new DmlPlan($"{with}UPDATE {target.Physical}{alias} SET {string.Join(", ", sets.Select(s => $"{Id(s.Col)} = {s.Value.Sql}"))}{where}{ret}", returns, target.Physical, target.Table,
                OutputInto: spec.OutputIntoClause?.IntoTable, OutputIntoColumns: intoCols);
        }
        // UPDATE alias SET … FROM <joins>: evaluate the new values over the original FROM, keyed by rowid.
        var (src, setList) = UpdatedRows(spec, target, scope);
        return new DmlPlan($"{with}UPDATE {target.Physical} AS \"__t\" SET {string.Join(", ", setList.Select((s, i) => $"{Id(s.Col)} = \"__s\".{Id("__v" + i)}"))} FROM ({src}) AS \"__s\" WHERE \"__t\".rowid = \"__s\".\"__rid\"{ret}",
            returns, target.Physical, target.Table, OutputInto: spec.OutputIntoClause?.IntoTable, OutputIntoColumns: intoCols);
    }

    /// <summary>
    /// The rows an UPDATE changes, each once, with its rowid and the values its SET clauses give it,
    /// evaluated over the statement's FROM (or the target alone) before anything changes.
    /// </summary>
    private (string Sql, List<(string Col, Tx Value)> Sets) UpdatedRows(UpdateSpecification spec, Target target, Scope scope)
    {
        string from;
        if (spec.FromClause is null)
        {
            scope.Sources.Add(new SourceShape(target.Exposed, target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
            from = $"{target.Physical} AS {Id(target.Exposed)}";
        }
        else from = string.Join(", ", spec.FromClause.TableReferences.Select(t => TableRef(t, scope)));
        scope.FromSql = from;
        var setList = SetClauses(spec.SetClauses, target.Columns, scope);
        var where = spec.WhereClause is null ? "" : " WHERE " + Bool(spec.WhereClause.SearchCondition, scope);
        var sql = $"SELECT DISTINCT ON (\"__rid\") {Id(target.Exposed)}.rowid AS \"__rid\", {string.Join(", ", setList.Select((s, i) => $"{s.Value.Sql} AS {Id("__v" + i)}"))} FROM {from}{where}";
        return (sql, setList);
    }

    /// <summary>
    /// UPDATE … OUTPUT deleted.…: DuckDB's RETURNING sees only the new values, and a rowid does not
    /// survive an update of a key column (DuckDB deletes and inserts the row). So the rows the UPDATE
    /// will change are snapshotted first, each with its rowid, its old values and the values its SET
    /// clauses give it; the UPDATE writes those values by rowid, and the OUTPUT is read from the
    /// snapshot (deleted.x the old value, inserted.x the value written, or the old one when the column
    /// is not set). No key is needed: rows that are equal in every column stay apart by rowid.
    /// </summary>
    private DmlPlan UpdateOutputtingDeleted(UpdateStatement stmt, Target target, Scope scope, string with)
    {
        var spec = stmt.UpdateSpecification;
        var (src, setList) = UpdatedRows(spec, target, scope);
        string pairs = "__update_pairs_" + Env.UniqueId();
        var oldCols = target.Columns.Select((c, i) => $"\"__old\".{Id(c.Name)} AS {Id("__o" + i)}");
        var newCols = setList.Select((s, i) => $"\"__s\".{Id("__v" + i)}");
        var before = new[] { $"CREATE TEMP TABLE {Id(pairs)} AS {with}SELECT \"__s\".\"__rid\", {string.Join(", ", newCols.Concat(oldCols))} FROM {target.Physical} AS \"__old\" JOIN ({src}) AS \"__s\" ON \"__old\".rowid = \"__s\".\"__rid\"" };
        string Pseudo(string table, string column)
        {
            int i = target.Columns.ToList().FindIndex(c => string.Equals(c.Name, column, StringComparison.OrdinalIgnoreCase));
            if (i < 0) throw new SandboxRuntimeError(207, $"Invalid column name '{column}'.");
            if (table == "deleted") return $"\"__p\".{Id("__o" + i)}";
            if (target.Columns[i].Computed is not null)
                return ComputedValue(target.Columns, target.Columns[i], Written, (TSqlFragment?)spec.OutputClause ?? spec.OutputIntoClause!).Sql;
            return Written(i);
        }
        string Written(int i)
        {
            int set = setList.FindIndex(s => string.Equals(s.Col, target.Columns[i].Name, StringComparison.OrdinalIgnoreCase));
            return set >= 0 ? $"\"__p\".{Id("__v" + set)}" : $"\"__p\".{Id("__o" + i)}";
        }
        var outputScope = new Scope(null);
        outputScope.Sources.Add(new SourceShape(target.Exposed, target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
        var list = Returning(spec.OutputClause, spec.OutputIntoClause, outputScope, Pseudo, out _, target.Columns);
        var output = "SELECT " + list[" RETURNING ".Length..] + $" FROM {Id(pairs)} AS \"__p\" ORDER BY \"__p\".\"__rid\"";
        var update = $"UPDATE {target.Physical} AS \"__t\" SET {string.Join(", ", setList.Select((s, i) => $"{Id(s.Col)} = \"__p\".{Id("__v" + i)}"))} FROM {Id(pairs)} AS \"__p\" WHERE \"__t\".rowid = \"__p\".\"__rid\"";
        return new DmlPlan(update, true, target.Physical, target.Table,
            OutputInto: spec.OutputIntoClause?.IntoTable, OutputIntoColumns: spec.OutputIntoClause?.IntoTableColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList(),
            Before: before, After: new[] { $"DROP TABLE IF EXISTS {Id(pairs)}" }, OutputSelect: output);
    }

    /// <summary>
    /// A computed column's value in a row that is not in the table yet (the OUTPUT of an UPDATE or MERGE
    /// read from the values it writes, <paramref name="valueOf"/> giving column i's SQL): its expression
    /// over a one-row derived table of the row's stored columns, as the table's generated column computes it.
    /// </summary>
    private Tx ComputedValue(IReadOnlyList<ColumnDef> columns, ColumnDef computed, Func<int, string> valueOf, TSqlFragment at)
    {
        var expr = new TSql170Parser(false).ParseExpression(new StringReader(computed.Computed!), out var errors);
        if (errors.Count > 0 || expr is null) throw Unsupported($"computed column {computed.Name} in OUTPUT", at);
        var stored = columns.Select((c, i) => (Column: c, Index: i)).Where(x => x.Column.Computed is null).ToList();
        var scope = new Scope(null);
        scope.Sources.Add(new SourceShape("__row", stored.Select(x => new ColumnShape(x.Column.Name, x.Column.Type)).ToList()));
        var value = Expr(expr, scope);
        return new Tx($"(SELECT {value.Sql} FROM (SELECT {string.Join(", ", stored.Select(x => $"{valueOf(x.Index)} AS {Id(x.Column.Name)}"))}) AS \"__row\")", value.Type);
    }

    /// <summary>Whether an OUTPUT item reads the deleted pseudo-table (deleted.x in an expression, or deleted.*).</summary>
    private static bool ReferencesDeleted(SelectElement e) => e switch
    {
        SelectScalarExpression se => ReferencesPseudo(se.Expression, "deleted"),
        SelectStarExpression star => string.Equals(star.Qualifier?.Identifiers[^1].Value, "deleted", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// WITH c AS (SELECT … FROM one_table …) UPDATE c SET …: the CTE's rows are found again in the
    /// base table by rowid; its columns that are plain column references map back to base columns.
    /// </summary>
    private DmlPlan UpdateThroughCte(UpdateStatement stmt, Target target, Scope scope, string with)
    {
        var spec = stmt.UpdateSpecification;
        if (spec.OutputClause is not null || spec.OutputIntoClause is not null || spec.FromClause is not null)
            throw Unsupported("UPDATE through a common table expression with OUTPUT or FROM", spec.Target);
        var cte = stmt.WithCtesAndXmlNamespaces!.CommonTableExpressions.First(c => string.Equals(c.ExpressionName.Value, target.CteSql, StringComparison.OrdinalIgnoreCase));
        if (cte.QueryExpression is not QuerySpecification { FromClause.TableReferences: [NamedTableReference baseRef] } cq || cq.GroupByClause is not null || cq.UniqueRowFilter == UniqueRowFilter.Distinct)
            throw Unsupported("UPDATE through a common table expression over more than one table", spec.Target);
        var baseTarget = ResolveTarget(CloneWithoutAlias(baseRef), new Scope(null), null);
        string baseExposed = baseRef.Alias?.Value ?? baseRef.SchemaObject.BaseIdentifier.Value;
        // CTE column → base column, for the columns that are plain references to the base table.
        var map = new Dictionary<string, ColumnDef>(StringComparer.OrdinalIgnoreCase);
        int position = 0;
        foreach (var el in cq.SelectElements)
        {
            switch (el)
            {
                case SelectStarExpression:
                    foreach (var c in baseTarget.Columns) { map[c.Name] = c; position++; }
                    break;
                case SelectScalarExpression { Expression: ColumnReferenceExpression cr } se when cr.ColumnType == ColumnType.Regular:
                {
                    var baseCol = baseTarget.Columns.FirstOrDefault(c => string.Equals(c.Name, cr.MultiPartIdentifier.Identifiers[^1].Value, StringComparison.OrdinalIgnoreCase));
                    string exposed = position < cte.Columns.Count ? cte.Columns[position].Value : se.ColumnName?.Value ?? cr.MultiPartIdentifier.Identifiers[^1].Value;
                    if (baseCol is not null) map[exposed] = baseCol;
                    position++;
                    break;
                }
                default: position++; break;
            }
        }
        var inner = Query(cq, new Scope(scope), out var shape);
        inner = inner.Insert("SELECT ".Length, $"{Id(baseExposed)}.rowid AS \"__rid\", ");
        var outer = new Scope(scope);
        outer.Sources.Add(new SourceShape(target.Exposed, shape));
        var sets = new List<(string Col, Tx Value)>();
        foreach (var sc in spec.SetClauses)
        {
            if (sc is not AssignmentSetClause a || a.Variable is not null || a.AssignmentKind != AssignmentKind.Equals)
                throw Unsupported("this SET form in an UPDATE through a common table expression", sc);
            var name = a.Column.MultiPartIdentifier.Identifiers[^1].Value;
            if (!map.TryGetValue(name, out var baseCol))
                throw Unsupported($"updating CTE column {name}, which is not a column of the base table", a);
            sets.Add((baseCol.Name, Assign(Expr(a.NewValue, outer), baseCol.Type, a)));
        }
        var where = spec.WhereClause is null ? "" : " WHERE " + Bool(spec.WhereClause.SearchCondition, outer);
        var src = $"SELECT DISTINCT ON (\"__rid\") {Id(target.Exposed)}.\"__rid\" AS \"__rid\", {string.Join(", ", sets.Select((x, i) => $"{x.Value.Sql} AS {Id("__v" + i)}"))} FROM ({inner}) AS {Id(target.Exposed)}{where}";
        return new DmlPlan($"UPDATE {baseTarget.Physical} AS \"__t\" SET {string.Join(", ", sets.Select((x, i) => $"{Id(x.Col)} = \"__s\".{Id("__v" + i)}"))} FROM ({src}) AS \"__s\" WHERE \"__t\".rowid = \"__s\".\"__rid\"",
            false, baseTarget.Physical, baseTarget.Table);
    }

    public DmlPlan Delete(DeleteStatement stmt)
    {
        var scope = new Scope(null);
        var with = With(stmt.WithCtesAndXmlNamespaces, scope);
        var spec = stmt.DeleteSpecification;
        if (spec.WhereClause?.Cursor is not null) throw Unsupported("WHERE CURRENT OF", spec.WhereClause);
        var target = ResolveTarget(spec.Target, scope, spec.FromClause);
        var ret = Returning(spec.OutputClause, spec.OutputIntoClause, scope, (pt, col) => pt == "deleted" ? Id(col) : null, out bool returns);
        var into = spec.OutputIntoClause?.IntoTable;
        var intoCols = spec.OutputIntoClause?.IntoTableColumns.Select(c => c.MultiPartIdentifier.Identifiers[^1].Value).ToList();
        if (target.CteSql is not null)
        {
            // DELETE FROM cte WHERE …: delete the base rows the CTE exposes (single-table CTE only).
            var cte = stmt.WithCtesAndXmlNamespaces!.CommonTableExpressions.First(c => string.Equals(c.ExpressionName.Value, target.CteSql, StringComparison.OrdinalIgnoreCase));
            if (cte.QueryExpression is not QuerySpecification { FromClause.TableReferences: [NamedTableReference baseRef] } cq || cq.GroupByClause is not null || cq.UniqueRowFilter == UniqueRowFilter.Distinct)
                throw Unsupported("DELETE through a common table expression over more than one table", spec.Target);
            var baseTarget = ResolveTarget(CloneWithoutAlias(baseRef), new Scope(null), null);
            string baseExposed = baseRef.Alias?.Value ?? baseRef.SchemaObject.BaseIdentifier.Value;
            var cteScope = new Scope(null);
            var inner = Query(cq, cteScope, out var shape);
            inner = inner.Insert("SELECT ".Length, $"{Id(baseExposed)}.rowid AS \"__rid\", ");
            var outer = new Scope(null);
            outer.Sources.Add(new SourceShape(target.Exposed, shape));
            var w = spec.WhereClause is null ? "" : " WHERE " + Bool(spec.WhereClause.SearchCondition, outer);
            return new DmlPlan($"DELETE FROM {baseTarget.Physical} WHERE rowid IN (SELECT \"__rid\" FROM ({inner}) AS {Id(target.Exposed)}{w}){ret}", returns, baseTarget.Physical, baseTarget.Table, OutputInto: into, OutputIntoColumns: intoCols);
        }
        if (spec.FromClause is null && spec.TopRowFilter is null)
        {
            scope.Sources.Add(new SourceShape(target.Exposed, target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
            scope.FromSql = $"{target.Physical} AS {Id(target.Exposed)}";
            var where = spec.WhereClause is null ? "" : " WHERE " + Bool(spec.WhereClause.SearchCondition, scope);
            string alias = " AS " + Id(target.Exposed);
            return new DmlPlan($"{with}DELETE FROM {target.Physical}{alias}{where}{ret}", returns, target.Physical, target.Table, OutputInto: into, OutputIntoColumns: intoCols);
        }
        string fromSql;
        if (spec.FromClause is null)
        {
            scope.Sources.Add(new SourceShape(target.Exposed, target.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
            fromSql = $"{target.Physical} AS {Id(target.Exposed)}";
        }
        else fromSql = string.Join(", ", spec.FromClause.TableReferences.Select(t => TableRef(t, scope)));
        scope.FromSql = fromSql;
        var where3 = spec.WhereClause is null ? "" : " WHERE " + Bool(spec.WhereClause.SearchCondition, scope);
        var limit = spec.TopRowFilter is null ? "" : spec.TopRowFilter.Percent ? throw Unsupported("DELETE TOP PERCENT", spec.TopRowFilter) : " LIMIT " + Expr(spec.TopRowFilter.Expression, scope).Sql;
        return new DmlPlan($"{with}DELETE FROM {target.Physical} WHERE rowid IN (SELECT {Id(target.Exposed)}.rowid FROM {fromSql}{where3}{limit}){ret}", returns, target.Physical, target.Table, OutputInto: into, OutputIntoColumns: intoCols);
    }

    /// <summary>A plain SELECT (no INTO, no variable assignment), with CTEs.</summary>
    public string Select(SelectStatement s, out IReadOnlyList<ColumnShape> shape)
    {
        var scope = new Scope(null);
        var with = With(s.WithCtesAndXmlNamespaces, scope);
        return with + Query(s.QueryExpression, scope, out shape);
    }

    /// <summary>An expression in a procedural position (SET, IF, RETURN, PRINT) as a one-row SELECT.</summary>
    public Tx Scalar(ScalarExpression e) => Expr(e, new Scope(null));

    public string Predicate(BooleanExpression b) => Bool(b, new Scope(null));
}
