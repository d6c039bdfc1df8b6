using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Syntax;
using System.Text;
using EtlAgent.Core.Model;
using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Sandbox.DuckDb;

/// <summary>One table's or view's DDL, statement by statement (each run on its own), and the objects it needs first.</summary>
public sealed record SchemaObject(IReadOnlyList<string> Statements, IReadOnlyList<QualifiedName> DependsOn)
{
    /// <summary>The statements as one script, for inspection.</summary>
    public string Ddl => string.Join("", Statements.Select(s => s + ";\n"));
}

/// <summary>
/// Builds the DuckDB DDL for a workspace catalog once, as separate statements; every sandbox
/// replays them. Sequences (workspace sequences plus one per identity column), tables with types,
/// defaults, NOT NULL, keys, checks, string length limits (error 2628), optional foreign keys,
/// then views. Indexes, filegroups, partitioning, memory-optimized options and extended
/// properties are ignored on purpose: they do not change results. Names and strings from user
/// code are quoted only by <see cref="SqlText"/>.
/// </summary>
public sealed class SchemaBuilder
{
    private readonly WorkspaceAnalysis _workspace;
    private readonly bool _foreignKeys;

    private readonly IReadOnlyList<TransformationAnalysis> _transformations;

    public SchemaBuilder(WorkspaceAnalysis workspace, bool foreignKeys, IReadOnlyList<TransformationAnalysis>? transformations = null)
    {
        _workspace = workspace;
        _foreignKeys = foreignKeys;
        _transformations = transformations ?? workspace.Transformations;
        var baseStatements = new List<string> { "CREATE SEQUENCE \"__newid\" START 1" };
        foreach (var s in workspace.Catalog.Sequences)
            baseStatements.Add($"CREATE SEQUENCE {SequenceId(SequenceName(s.Name))} {SequenceOptions(s.Start, s.Increment)}");
        BaseStatements = baseStatements;
    }

    /// <summary>Problems met while building (a view that could not be translated, …): the schema is still usable.</summary>
    public List<string> Skipped { get; } = new();

    /// <summary>Views left out, with the error a query of them raises.</summary>
    public Dictionary<QualifiedName, Exception> Problems { get; } = new();

    /// <summary>The sequence of a table's identity column: the table's own name inside it, so two tables never share one.</summary>
    /// <summary>SQL that moves a table's identity past the largest value its identity column holds (rows given with explicit values, or put back).</summary>
    public static string IdentityPastRows(QualifiedName table, string physical, string column)
    {
        var sequence = IdentitySequence(table);
        return $"SELECT count(nextval({SequenceArgument(sequence)})) FROM range(CAST(greatest(0, (SELECT max({Id(column)}) FROM {physical}) - "
            + $"coalesce((SELECT last_value FROM duckdb_sequences() WHERE sequence_name = {Str(SequencePhysicalName(sequence))}), 0)) AS BIGINT))";
    }

    public static string IdentitySequence(QualifiedName table) => table.Database is null ? $"__identity_{table.Schema}.{table.Name}" : $"__identity_{table}";

    /// <summary>The identity sequence of a #temp table or table variable, by its quoted physical name.</summary>
    public static string LocalIdentitySequence(string quotedPhysical) => IdentitySequence(new QualifiedName("tempdb", quotedPhysical));

    /// <summary>A workspace sequence as DuckDB knows it ("Schema.Name", like tables; quoted by <see cref="SqlText.SequenceId"/>).</summary>
    public static string SequenceName(QualifiedName seq) => $"{seq.Schema}.{seq.Name}";

    /// <summary>
    /// Statements every sandbox runs first, one at a time, after its configuration is locked
    /// (<see cref="DuckDbSandboxFactory.OpenLocked"/>): the NEWID() sequence and the workspace's sequences.
    /// </summary>
    public IReadOnlyList<string> BaseStatements { get; }

    /// <summary>DDL per table and view, with what must exist first (FK parents; a view's sources).</summary>
    public Dictionary<QualifiedName, SchemaObject> Objects { get; } = new();

    /// <summary>Builds <see cref="BaseStatements"/> and <see cref="Objects"/>; returns the whole schema as one script (for inspection).</summary>
    public string Build()
    {
        var catalog = _workspace.Catalog;
        var sb = new StringBuilder();
        foreach (var statement in BaseStatements) sb.Append(statement).AppendLine(";");

        // Parents before children so REFERENCES resolves.
        var tables = catalog.Tables.ToList();
        var ordered = new List<TableDef>();
        var done = new HashSet<QualifiedName>();
        void Visit(TableDef t, int depth)
        {
            if (done.Contains(t.Name) || depth > 50) return;
            done.Add(t.Name);
            if (_foreignKeys)
                foreach (var fk in t.ForeignKeys)
                    if (catalog.Find(fk.ReferencedTable) is { Kind: TableKind.Table } parent) Visit(parent, depth + 1);
            ordered.Add(t);
        }
        foreach (var t in tables) Visit(t, 0);
        // Macros are created on first use by a lazy sandbox; the eager script has them all.
        sb.AppendLine(Macros.Script);

        Exception? ProblemSoFar(QualifiedName n) => Problems.GetValueOrDefault(n);
        foreach (var t in ordered)
        {
            if (TableObject(t, out var tableProblem) is { } table)
            {
                Objects[t.Name] = table;
                sb.Append(table.Ddl);
            }
            else
            {
                Skipped.Add($"table {t.Name}: {tableProblem!.Message}");
                Problems[t.Name] = tableProblem;
            }
        }
        foreach (var v in catalog.Views)
        {
            var view = ViewObject(v, ProblemSoFar, out var problem, out var skipped);
            if (view is not null)
            {
                sb.Append(view.Ddl);
                Objects[v.Name] = view;
            }
            if (skipped is not null) Skipped.Add(skipped);
            if (problem is not null) Problems[v.Name] = problem;
        }
        return sb.ToString();
    }

    private Dictionary<QualifiedName, FunctionStatementBody>? _functions;
    private Dictionary<QualifiedName, TransformationAnalysis>? _views;
    private ILookup<QualifiedName, ForeignKeyDef>? _referencing;

    /// <summary>A translator of its own per object (objects may be built one at a time, on several threads).</summary>
    private SqlTranslator Translator(Func<QualifiedName, Exception?> problemOf, Action<QualifiedName>? referenced = null, SqlDocument? document = null)
    {
        var functions = LazyInitializer.EnsureInitialized(ref _functions, () =>
        {
            var map = new Dictionary<QualifiedName, FunctionStatementBody>();
            foreach (var f in _transformations)
                if (f.Transformation.Kind == TransformationKind.Function && f.Syntax.Definition is FunctionStatementBody fb)
                    map.TryAdd(QualifiedName.Parse(f.Transformation.Name), fb); // the first definition is the one in use
            return map;
        });
        return new SqlTranslator(new TranslationEnv
        {
            Referenced = referenced,
            Catalog = _workspace.Catalog,
            SequenceName = SequenceName,
            ClockSql = "getvariable('tsql_clock')",
            Function = n => functions.GetValueOrDefault(n),
            ObjectProblem = problemOf,
            Document = document,
        });
    }

    /// <summary>
    /// One table's DDL (its identity sequence, CREATE TABLE, key indexes) and the FK parents it
    /// needs first; null with the problem when the sandbox cannot build it (a DEFAULT, CHECK or
    /// computed column it cannot run): then it is refused where code uses it, never for the whole
    /// workspace (SchemaState.Ensure).
    /// </summary>
    internal SchemaObject? TableObject(TableDef t, out Exception? problem)
    {
        var catalog = _workspace.Catalog;
        var referencing = LazyInitializer.EnsureInitialized(ref _referencing, () => catalog.Tables.SelectMany(c => c.ForeignKeys).ToLookup(f => f.ReferencedTable));
        var translator = Translator(_ => null);
        var ddl = new List<string>();
        foreach (var c in t.Columns.Where(c => c.Identity))
            ddl.Add($"CREATE SEQUENCE {SequenceId(IdentitySequence(t.Name))} {IdentityOptions(c)}");
        var def = _foreignKeys ? WithImpliedKeys(t, referencing[t.Name]) : t;
        problem = Failure(() => ddl.AddRange(CreateTable(Table(t.Name), def, translator, _foreignKeys, temp: false)), $"table {t.Name}", t.Location);
        if (problem is not null) return null;
        var parents = _foreignKeys ? t.ForeignKeys.Select(f => f.ReferencedTable).Where(p => p != t.Name && catalog.Find(p) is { Kind: TableKind.Table }).Distinct().ToList() : new List<QualifiedName>();
        return new SchemaObject(ddl, parents);
    }

    /// <summary>
    /// One view's CREATE VIEW and the objects it reads; null when it cannot be built, with the
    /// problem a query of it raises (or only a line for <see cref="Skipped"/> when it has no syntax).
    /// </summary>
    /// <param name="problemOf">Why another catalog object is missing from the sandbox, or null.</param>
    internal SchemaObject? ViewObject(TableDef v, Func<QualifiedName, Exception?> problemOf, out Exception? problem, out string? skipped)
    {
        problem = null;
        skipped = null;
        var views = LazyInitializer.EnsureInitialized(ref _views, () =>
        {
            var map = new Dictionary<QualifiedName, TransformationAnalysis>();
            foreach (var x in _transformations)
                if (x.Transformation.Kind == TransformationKind.View) map.TryAdd(QualifiedName.Parse(x.Transformation.Name), x);
            return map;
        });
        var facts = views.GetValueOrDefault(v.Name);
        if (facts?.Syntax.Definition is not ViewStatementBody body) { skipped = $"view {v.Name}: no syntax"; return null; }
        try
        {
            var referenced = new HashSet<QualifiedName>();
            var translator = Translator(problemOf, n => referenced.Add(n), facts.Document);
            var scope = new Scope(null);
            var sql = translator.With(body.SelectStatement.WithCtesAndXmlNamespaces, scope) + translator.Query(body.SelectStatement.QueryExpression, scope, out _);
            var cols = body.Columns.Count > 0 ? "(" + string.Join(", ", body.Columns.Select(c => Id(c.Value))) + ")" : "";
            return new SchemaObject(new[] { $"CREATE VIEW {Table(v.Name)}{cols} AS {sql}" }, referenced.Where(r => r != v.Name).ToList());
        }
        catch (Exception e) when (e is UnsupportedConstructException or SandboxRuntimeError)
        {
            skipped = $"view {v.Name}: {e.Message}";
            problem = e;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // a defect of the translator on this view: refused where code uses the view, not everywhere
            problem = new InternalErrorException($"view {v.Name}", "its definition", facts.Document.LocationOf(body), e);
            skipped = $"view {v.Name}: {problem.Message}";
        }
        return null;
    }

    /// <summary>
    /// The table with a UNIQUE key on the columns a FOREIGN KEY of another table references when the
    /// workspace declares no such key: SQL Server refuses a foreign key without one, so the database
    /// has it (declared where the catalog does not see it, e.g. a migration script), and the engine
    /// needs it to build the foreign key.
    /// </summary>
    private static TableDef WithImpliedKeys(TableDef t, IEnumerable<ForeignKeyDef> referencing)
    {
        List<KeyDef>? added = null;
        foreach (var fk in referencing.Where(f => f.ReferencedColumns.Count > 0))
        {
            bool Same(IReadOnlyList<string> cols) => cols.Count == fk.ReferencedColumns.Count && cols.All(c => fk.ReferencedColumns.Contains(c, StringComparer.OrdinalIgnoreCase));
            if (t.Keys.Any(k => Same(k.Columns)) || (added?.Any(k => Same(k.Columns)) ?? false)) continue;
            if (!fk.ReferencedColumns.All(c => t.FindColumn(c) is not null)) continue;
            (added ??= new()).Add(new KeyDef(null, fk.ReferencedColumns, false, fk.Location));
        }
        return added is null ? t : t with { UniqueKeys = t.UniqueKeys.Concat(added).ToList() };
    }

    /// <summary>What went wrong building one object, as the error its users get; null when it built.</summary>
    private static Exception? Failure(Action build, string what, Location? location)
    {
        try { build(); return null; }
        catch (Exception e) when (e is UnsupportedConstructException or SandboxRuntimeError) { return e; }
        catch (Exception e) when (e is not OperationCanceledException) { return new InternalErrorException(what, "its definition", location, e); }
    }

    /// <summary>IDENTITY(seed, increment) as DuckDB sequence options.</summary>
    public static string IdentityOptions(ColumnDef c) => SequenceOptions(c.IdentitySeed, c.IdentityIncrement);

    /// <summary>
    /// A start and a step as DuckDB sequence options; the bounds are widened past DuckDB's defaults
    /// (1 and up, or -1 and down) so a start of 0, a negative one, or one against the step is accepted.
    /// </summary>
    internal static string SequenceOptions(long start, long increment) =>
        $"START {start} INCREMENT {increment} " + (increment < 0
            ? $"MINVALUE {long.MinValue} MAXVALUE {Math.Max(start, -1)}"
            : $"MINVALUE {Math.Min(start, 1)} MAXVALUE {long.MaxValue}");

    /// <summary>CREATE TABLE for a catalog table, a #temp table or a table variable, then its collation-aware key indexes: statements run one at a time.</summary>
    /// <param name="localIdentity">A permanent table the code made (CREATE TABLE run by a transformation): its identity sequence is named after its physical name, like a #temp table's.</param>
    public static IReadOnlyList<string> CreateTable(string physical, TableDef t, SqlTranslator translator, bool foreignKeys, bool temp, bool localIdentity = false)
    {
        var parts = new List<string>();
        string display = temp ? t.Name.Name : t.Name.ToString();
        foreach (var c in t.Columns)
        {
            var sb = new StringBuilder();
            if (c.Computed is not null)
            {
                // Computed columns become DuckDB generated columns (PERSISTED or not: same values).
                var cexpr = new TSql170Parser(false).ParseExpression(new StringReader(c.Computed), out var cerrors);
                if (cerrors.Count > 0 || cexpr is null) throw new UnsupportedConstructException($"computed column {c.Name}", c.Location);
                var cscope = new Scope(null);
                cscope.Sources.Add(new SourceShape(t.Name.Name, t.Columns.Where(x => x.Computed is null).Select(x => new ColumnShape(x.Name, x.Type)).ToList()));
                parts.Add($"{Id(c.Name)} AS ({At(() => translator.Expr(cexpr, cscope).Sql, c.Location, $"in the computed column {c.Name} of {display}")})");
                continue;
            }
            sb.Append(Id(c.Name)).Append(' ').Append(DuckTypes.Of(c.Type, c.Location));
            if (c.Identity)
                sb.Append($" DEFAULT nextval({SequenceArgument(temp || localIdentity ? LocalIdentitySequence(physical) : IdentitySequence(t.Name))})");
            else if (c.Default is not null)
                sb.Append(" DEFAULT ").Append(At(() => DefaultSql(c, translator), c.Location, $"in the DEFAULT of column {c.Name} of {display}"));
            if (!c.Nullable) sb.Append(" NOT NULL");
            if (DuckTypes.MaxChars(c.Type) is int n)
                sb.Append($" CHECK (CASE WHEN length(rtrim({Id(c.Name)})) > {n} THEN error({Str(ErrorMarker(2628) + $"String or binary data would be truncated in table '{display}', column '{c.Name}'.")}) ELSE true END)");
            parts.Add(sb.ToString());
        }
        if (t.PrimaryKey is { } pk) parts.Add("PRIMARY KEY (" + string.Join(", ", pk.Columns.Select(Id)) + ")");
        foreach (var uk in t.UniqueKeys) parts.Add("UNIQUE (" + string.Join(", ", uk.Columns.Select(Id)) + ")");
        foreach (var ck in t.Checks)
        {
            var expr = new TSql170Parser(false).ParseBooleanExpression(new StringReader(ck.Expression), out var errors);
            if (errors.Count > 0 || expr is null) throw new UnsupportedConstructException($"CHECK constraint {ck.Name}", ck.Location);
            var scope = new Scope(null);
            scope.Sources.Add(new SourceShape(t.Name.Name, t.Columns.Select(c => new ColumnShape(c.Name, c.Type)).ToList()));
            var cond = At(() => translator.Bool(expr, scope), ck.Location, $"in the CHECK constraint {ck.Name ?? ""} of {display}".Replace("  ", " "));
            // SQL Server: a CHECK passes unless it is FALSE (NULL passes) → error 547, naming the
            // constraint, the table and, when the check reads one column, that column.
            var refs = new ColumnFinder();
            expr.Accept(refs);
            string? column = ck.Column ?? (refs.Columns.Count == 1 ? t.FindColumn(refs.Columns.First())?.Name ?? refs.Columns.First() : null);
            string ckName = ck.Name ?? $"CK__{t.Name.Name}__{column ?? "check"}";
            string where = temp ? $"database \"tempdb\", table \"dbo.{display}\"" : $"database \"Sandbox\", table \"{display}\"";
            parts.Add($"CHECK (CASE WHEN NOT coalesce({cond}, true) THEN error({Str(ErrorMarker(547) + $"The INSERT statement conflicted with the CHECK constraint \"{ckName}\". The conflict occurred in {where}{(column is null ? "" : $", column '{column}'")}.")}) ELSE true END)");
        }
        if (foreignKeys)
            foreach (var fk in t.ForeignKeys)
                parts.Add($"FOREIGN KEY ({string.Join(", ", fk.Columns.Select(Id))}) REFERENCES {Table(fk.ReferencedTable)} ({string.Join(", ", fk.ReferencedColumns.Select(Id))})");
        var statements = new List<string> { $"CREATE {(temp ? "TEMP " : "")}TABLE {physical} ({string.Join(", ", parts)})" };
        // DuckDB's key indexes compare bytes; SQL Server's keys compare under the collation. A unique
        // index on lower(rtrim(…)) of the string columns makes 'abc' and 'ABC ' collide as they should.
        int keyNo = 0;
        // SQL Server's UNIQUE also treats NULLs as equal (one NULL per key); DuckDB admits many, so
        // nullable key columns enter that index through coalesce(…, a sentinel no data contains).
        foreach (var key in t.Keys)
        {
            var cols = key.Columns.Select(k => t.FindColumn(k)).ToList();
            if (!cols.Any(c => c?.Type.IsString == true || c?.Nullable == true && !key.IsPrimary)) continue;
            var exprs = cols.Select((c, i) =>
            {
                if (c is null) return Id(key.Columns[i]);
                string e = c.Type.IsString ? $"lower(rtrim({Id(c.Name)}))" : Id(c.Name);
                return c.Nullable && !key.IsPrimary ? $"coalesce(CAST({e} AS VARCHAR), chr(0) || 'NULL')" : e;
            });
            // the table's exact (quoted) name inside: two tables never share an index name
            var indexName = $"ci_{physical}_{keyNo++}";
            statements.Add($"CREATE UNIQUE INDEX {Id(indexName)} ON {physical} ({string.Join(", ", exprs)})");
        }
        return statements;
    }

    /// <summary>A refusal inside a table's definition names the column or constraint it is in, and its place.</summary>
    private static string At(Func<string> translate, Location? location, string where)
    {
        try { return translate(); }
        catch (UnsupportedConstructException u) when (u.Location is null)
        {
            throw new UnsupportedConstructException(u.Construct, location, u.Detail is null ? where : $"{u.Detail} ({where})");
        }
    }

    private static string DefaultSql(ColumnDef c, SqlTranslator translator)
    {
        var expr = new TSql170Parser(false).ParseExpression(new StringReader(c.Default!), out var errors);
        if (errors.Count > 0 || expr is null) throw new UnsupportedConstructException($"DEFAULT of column {c.Name}", c.Location);
        // only a bare NEWID()/GETDATE() is the column's own value; in a larger expression
        // ('T-' + CAST(NEWID() AS varchar(36)), DATEADD(day, 1, GETDATE())) the translator handles the call
        if (Unwrapped(expr) is var bare && (bare is ParameterlessCall || bare is FunctionCall { Parameters.Count: 0 }) && ContainsClock(bare, out bool newid)) return newid ? "CAST(md5(CAST(getvariable('tsql_seed') AS VARCHAR) || '-' || CAST(nextval('__newid') AS VARCHAR)) AS UUID)" : ClockDefault(c);
        var x = translator.Expr(expr, new Scope(null));
        return "(" + translator.Assign(x, c.Type, expr).Sql + ")";
    }

    private static ScalarExpression Unwrapped(ScalarExpression e) => e is ParenthesisExpression p ? Unwrapped(p.Expression) : e;

    private static bool ContainsClock(ScalarExpression e, out bool newid)
    {
        var v = new ClockFinder();
        e.Accept(v);
        newid = v.NewId;
        return v.Found;
    }

    /// <summary>DEFAULT GETDATE()/SYSDATETIME(): the frozen clock of the call, read from a one-row table.</summary>
    private static string ClockDefault(ColumnDef c) => c.Type.Name is "datetime2" or "time" or "datetimeoffset"
        ? $"CASE WHEN getvariable('tsql_clock_100ns') THEN {RaiseUnsupported($"the default of column {c.Name} (SYSDATETIME() with a clock that has a non-zero 7th fractional-second digit, 100 ns)")} ELSE CAST(getvariable('tsql_clock') AS {DuckTypes.Of(c.Type)}) END"
        : $"CAST(getvariable('tsql_clock') AS {DuckTypes.Of(c.Type)})";

    /// <summary>The distinct column names an expression reads.</summary>
    private sealed class ColumnFinder : TSqlFragmentVisitor
    {
        public HashSet<string> Columns { get; } = new(StringComparer.OrdinalIgnoreCase);
        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier is { Count: > 0 } id) Columns.Add(id.Identifiers[^1].Value);
        }
    }

    private sealed class ClockFinder : TSqlFragmentVisitor
    {
        public bool Found, NewId;
        public override void Visit(FunctionCall node)
        {
            if (node.FunctionName.Value.Equals("NEWID", StringComparison.OrdinalIgnoreCase)) NewId = true;
            if (node.FunctionName.Value.ToUpperInvariant() is "GETDATE" or "SYSDATETIME" or "SYSUTCDATETIME" or "GETUTCDATE" or "SYSDATETIMEOFFSET" or "NEWID")
                Found = true;
        }
        public override void Visit(ParameterlessCall node) => Found = true;
    }
}
