using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.CatalogRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A table, view or table-valued function the workspace does not define, or a column its table
/// does not have: the procedure compiles (deferred name resolution) and fails when it runs.
/// </summary>
public sealed class UnknownObjectRule : Rule
{
    private static readonly IReadOnlySet<string> LegacySystemViews = SystemCatalogNames.LegacySystemViews;

    /// <summary>Tables deployment tools keep in the database they deploy to (ReadyRoll, SSDT refactoring, EF Core migrations).</summary>
    private static readonly HashSet<string> DeploymentToolTables = new(StringComparer.OrdinalIgnoreCase)
    {
        "__MigrationLog", "__MigrationLogCurrent", "__SchemaSnapshot", "__RefactorLog", "__EFMigrationsHistory",
    };

    /// <summary>Whether a table is one a deployment tool keeps (ReadyRoll's dbo.__MigrationLog, SSDT's __RefactorLog, EF Core's __EFMigrationsHistory).</summary>
    internal static bool IsDeploymentToolTable(QualifiedName name) => IsToolTable(name.Name);

    /// <summary>
    /// A deployment tool's table, or the log table tSQLt.SpyProcedure makes for the procedure it spies on
    /// (`schema.Procedure_SpyProcedureLog`), which exists only while the test runs.
    /// </summary>
    private static bool IsToolTable(string name) =>
        DeploymentToolTables.Contains(name) || name.EndsWith("_SpyProcedureLog", StringComparison.OrdinalIgnoreCase);

    /// <summary>System table-valued functions callers write without the sys schema.</summary>
    private static readonly HashSet<string> SystemFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "fn_my_permissions", "fn_builtin_permissions", "fn_listextendedproperty", "fn_virtualfilestats", "fn_dblog", "fn_dump_dblog",
        "fn_get_audit_file", "fn_trace_gettable", "fn_helpcollations", "fn_servershareddrives", "fn_get_sql", "fn_xe_file_target_read_file",
    };

    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0015", "unknown-object", "Reference to an object or column the workspace does not define", Severity.Error, "Correctness",
        new RuleDoc(
            "SQL Server resolves table names in a procedure only when it runs (deferred name resolution), so a misspelt table or a dropped column is found by the nightly load, not by the deployment. A reference to a table, view or table-valued function missing from the workspace catalog, or to a column its catalog table does not have, is reported. #temp tables, table variables and table-valued parameters, CTEs, aliases, a trigger's inserted and deleted rows, system functions written without sys (fn_my_permissions) and change-data-capture functions, XML methods (.nodes()), the columns of OPENJSON, OPENXML and STRING_SPLIT, objects created in the same file (CREATE TABLE, SELECT INTO), columns added by ALTER TABLE ... ADD, columns of a table whose definition in use belongs to another database project (the same name in two projects is two tables), synonyms (read as their target), objects declared in etl-agent.json's externalObjects, system objects, the tables deployment tools keep (dbo.__MigrationLog, __RefactorLog, __EFMigrationsHistory) and the log tables tSQLt.SpyProcedure makes in a test (`Procedure_SpyProcedureLog`), objects in other databases (three- and four-part names), and columns the workspace's table lacks when the code names it with a database (SourceDb.dbo.T may be another database's table of the same name) are not; nor is anything when the workspace defines no table at all. A name with no near-miss in a schema of which the code uses at least three tables nothing defines reads as made outside the repository (staging tables a copy pipeline creates at run time, another project's tables) and is not reported here: the stand-in finding (ETL0150) names each such table once, with the externalObjects entry that declares it. A near-miss, or a lone undefined name, stays an error; a sibling of a defined table in its naming scheme (LAB101 beside LAB100, D_INV_HIV beside INV_HIV) is not a near-miss. Dynamic SQL whose text the code shows (EXEC of string literals or their concatenation, sp_executesql with a literal, or a variable assigned once before it) is parsed: a table it creates counts as created, and an undefined name in it is reported as information on the EXEC, unless the name is built from a run-time part (`'FROM dbo.' + @table`). When exactly one column of the table is within two edits of the name, the fix renames the reference to it.",
            Bad: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name])\n    SELECT s.CustomerCode, s.[Customer Nmae]\n    FROM Staging.Customer AS s;\nEND",
            Good: "CREATE PROCEDURE Etl.LoadCustomer AS\nBEGIN\n    INSERT INTO Dim.Customer (CustomerCode, [Customer Name])\n    SELECT s.CustomerCode, s.[Customer Name]\n    FROM Staging.Customer AS s;\nEND",
            Schema: "CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NOT NULL);\nCREATE TABLE Staging.Customer (CustomerCode nvarchar(20) NULL, [Customer Name] nvarchar(100) NULL);"));

    public override void Check(RuleContext context)
    {
        if (!HasTables(context)) return; // no schema in the workspace: everything would be "unknown"
        CheckObjects(context);
        CheckColumns(context);
    }

    // ---- objects ----------------------------------------------------------------------------------

    private static void CheckObjects(RuleContext context)
    {
        var created = CreatedHere(context.Index);
        var dynamic = DynamicSqlText.Of(context.Index, context.CompatibilityLevel);
        foreach (var d in dynamic) created.UnionWith(CreatedHere(d.Index)); // EXEC ('CREATE TABLE …') makes the table too
        foreach (var (so, name) in Undefined(context, context.Index, created))
            if (!HasOpaqueSqlcmdVariable(context, so)) Report(context, so, name);

        // Dynamic SQL whose text is visible: its undefined names are information, the text being only
        // certain when it runs; a name built from a run-time part is not judged.
        foreach (var d in dynamic)
        {
            var seen = new HashSet<QualifiedName>();
            foreach (var (so, name) in Undefined(context, d.Index, created))
            {
                if (!d.IsConstant(so) || !seen.Add(name)) continue;
                var suggestion = CatalogNames.Of(context.Catalog).Suggest(name);
                if (suggestion is null && MadeOutside(context, name)) continue;
                context.Report(d.At,
                    $"The dynamic SQL run here reads or writes {name}, which the workspace does not define{(suggestion is null ? "" : $"; did you mean {suggestion}?")}. The statement fails when it runs if the object is missing then. Correct the name, add the object's definition to the project, or declare it in etl-agent.json's externalObjects if something outside the repository makes it.",
                    Severity.Information, suggestion is null ? Evidence(name) : null);
            }
        }
    }

    /// <summary>Names of tables, views and table-valued functions <paramref name="index"/>'s code uses that nothing defines.</summary>
    private static IEnumerable<(SchemaObjectName So, QualifiedName Name)> Undefined(RuleContext context, SyntaxIndex index, HashSet<QualifiedName> created)
    {
        var cteStatements = new List<(int Start, int End, CteScope Ctes)>();
        foreach (var s in index.OfType<StatementWithCtesAndXmlNamespaces>())
            if (s.WithCtesAndXmlNamespaces is { CommonTableExpressions.Count: > 0 } with)
                cteStatements.Add((s.StartOffset, s.StartOffset + s.FragmentLength, new CteScope(with)));
        var aliasTargets = AliasTargets(index);
        var triggers = index.OfType<TriggerStatementBody>();

        var candidates = new List<SchemaObjectName>();
        foreach (var named in index.OfType<NamedTableReference>())
        {
            var so = named.SchemaObject;
            if (aliasTargets?.Contains(named) == true || IsCte(so, named.StartOffset, cteStatements)) continue;
            if (IsTriggerPseudoTable(so, named.StartOffset, triggers)) continue;
            candidates.Add(so);
        }
        foreach (var fn in index.OfType<SchemaObjectFunctionTableReference>())
        {
            // `CROSS APPLY t.Doc.nodes('/order/line') AS l(x)`: the XML method parses as a two-part function name.
            if (fn.SchemaObject.SchemaIdentifier is not null && string.Equals(fn.SchemaObject.BaseIdentifier?.Value, "nodes", StringComparison.OrdinalIgnoreCase)) continue;
            if (IsSystemFunction(fn.SchemaObject)) continue;
            candidates.Add(fn.SchemaObject);
        }
        foreach (var truncate in index.OfType<TruncateTableStatement>())
            if (truncate.TableName is { } name) candidates.Add(name);

        foreach (var so in candidates)
        {
            if (so.BaseIdentifier is null || so.DatabaseIdentifier is not null || so.ServerIdentifier is not null) continue;
            var name = DdlReader.NameOf(so);
            if (name.IsLocal || IsSystem(so) || created.Contains(name) || context.Catalog.Knows(name)) continue;
            yield return (so, name);
        }
    }

    private static void Report(RuleContext context, SchemaObjectName so, QualifiedName name)
    {
        var suggestion = CatalogNames.Of(context.Catalog).Suggest(name);
        // one of many undefined tables of its schema: made outside the repository, and ETL0150 says so once per table
        if (suggestion is null && MadeOutside(context, name)) return;
        context.Report(so,
            $"{name} is not defined in the workspace (no CREATE TABLE, VIEW or table-valued function for it){(suggestion is null ? "." : $"; did you mean {suggestion}?")} SQL Server accepts the procedure and fails when it runs. Correct the name, or add the object's definition to the project.",
            Severity.Error, suggestion is null ? Evidence(name) : null);
    }

    private static bool MadeOutside(RuleContext context, QualifiedName name) =>
        ObjectsMadeOutside.Schemas(context.Catalog.StandIns).ContainsKey(name.Schema);

    /// <summary>No near-miss: a streaming analysis, which learns the workspace's undefined tables only after the rules ran, may still leave it out (<see cref="ObjectsMadeOutside.Names"/>).</summary>
    private static Dictionary<string, object?> Evidence(QualifiedName name) => new() { [ObjectsMadeOutside.EvidenceKey] = name };

    /// <summary>
    /// Catalog names grouped for near-miss lookups, built once per catalog: a misspelt name is
    /// compared with the names of its schema only, and with same-named objects in other schemas.
    /// </summary>
    private sealed class CatalogNames
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SchemaCatalog, CatalogNames> Cache = new();

        private readonly Dictionary<string, List<QualifiedName>> _bySchema = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, List<QualifiedName>> _byName = new(StringComparer.OrdinalIgnoreCase);

        private CatalogNames(SchemaCatalog catalog)
        {
            foreach (var t in catalog.All)
            {
                if (!_bySchema.TryGetValue(t.Name.Schema, out var inSchema)) _bySchema[t.Name.Schema] = inSchema = new List<QualifiedName>();
                inSchema.Add(t.Name);
                if (!_byName.TryGetValue(t.Name.Name, out var named)) _byName[t.Name.Name] = named = new List<QualifiedName>();
                named.Add(t.Name);
            }
        }

        public static CatalogNames Of(SchemaCatalog catalog) => Cache.GetValue(catalog, c => new CatalogNames(c));

        /// <summary>The one catalog object <paramref name="name"/> is probably a misspelling of, or null.</summary>
        public string? Suggest(QualifiedName name)
        {
            QualifiedName? match = null;
            if (_bySchema.TryGetValue(name.Schema, out var inSchema))
            {
                var found = SingleCloseMatch(name.Name, Names(inSchema));
                // LAB101 beside a defined LAB100, D_CASE beside CASE: siblings in a naming scheme, not misspellings
                if (found is not null && NamingSchemeSiblings(name.Name, found)) found = null;
                if (found is not null) match = inSchema.Find(q => string.Equals(q.Name, found, StringComparison.OrdinalIgnoreCase));
            }
            if (match is null && _byName.TryGetValue(name.Name, out var named) && named.Count == 1 &&
                EditDistance(name.Schema, named[0].Schema, 2) <= 2)
                match = named[0];
            return match?.ToString();
        }

        private static bool NamingSchemeSiblings(string a, string b) =>
            !string.Equals(a, b, StringComparison.OrdinalIgnoreCase) &&
            (string.Equals(Digits.Replace(a, "#"), Digits.Replace(b, "#"), StringComparison.OrdinalIgnoreCase) || OneWordMore(a, b) || OneWordMore(b, a));

        /// <summary>D_INV_HIV or INV_HIV_L beside INV_HIV: a whole word added is another table of a naming scheme, not a typo.</summary>
        private static bool OneWordMore(string longer, string shorter)
        {
            var l = longer.Split('_');
            var s = shorter.Split('_');
            if (l.Length != s.Length + 1) return false;
            static bool Same(IEnumerable<string> x, IEnumerable<string> y) => x.SequenceEqual(y, StringComparer.OrdinalIgnoreCase);
            return Same(l.Skip(1), s) || Same(l.Take(s.Length), s);
        }

        private static readonly System.Text.RegularExpressions.Regex Digits = new("[0-9]+", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        private static IEnumerable<string> Names(List<QualifiedName> names)
        {
            foreach (var q in names) yield return q.Name;
        }
    }

    /// <summary>sys functions written without their schema, and change-data-capture functions (cdc.fn_cdc_get_*), which SQL Server generates when capture is enabled.</summary>
    private static bool IsSystemFunction(SchemaObjectName so)
    {
        var schema = so.SchemaIdentifier?.Value;
        if (string.Equals(schema, "cdc", StringComparison.OrdinalIgnoreCase)) return true;
        return (schema is null || string.Equals(schema, "dbo", StringComparison.OrdinalIgnoreCase)) && SystemFunctions.Contains(so.BaseIdentifier.Value);
    }

    private static bool IsSystem(SchemaObjectName so)
    {
        var schema = so.SchemaIdentifier?.Value;
        if (string.Equals(schema, "sys", StringComparison.OrdinalIgnoreCase) || string.Equals(schema, "INFORMATION_SCHEMA", StringComparison.OrdinalIgnoreCase))
            return true;
        if (IsToolTable(so.BaseIdentifier.Value)) return true;
        return (schema is null || string.Equals(schema, "dbo", StringComparison.OrdinalIgnoreCase)) && LegacySystemViews.Contains(so.BaseIdentifier.Value);
    }

    /// <summary>
    /// `$(TargetSchema).Product` where the variable has no value (neither :setvar nor sqlcmdVariables): the
    /// name is only known at deployment, so it is neither right nor wrong here.
    /// </summary>
    private static bool HasOpaqueSqlcmdVariable(RuleContext context, SchemaObjectName so)
    {
        foreach (var id in so.Identifiers)
            if (id is not null && context.TextOf(id) == "$(" + id.Value + ")") return true;
        return false;
    }

    /// <summary>A trigger's `inserted` and `deleted` rows, read inside the trigger's body.</summary>
    private static bool IsTriggerPseudoTable(SchemaObjectName so, int offset, IReadOnlyList<TriggerStatementBody> triggers)
    {
        if (so.SchemaIdentifier is not null) return false;
        var name = so.BaseIdentifier.Value;
        if (!string.Equals(name, "inserted", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, "deleted", StringComparison.OrdinalIgnoreCase)) return false;
        foreach (var t in triggers)
            if (offset >= t.StartOffset && offset < t.StartOffset + t.FragmentLength) return true;
        return false;
    }

    private static bool IsCte(SchemaObjectName so, int offset, List<(int Start, int End, CteScope Ctes)> statements)
    {
        if (so.SchemaIdentifier is not null) return false;
        foreach (var (start, end, ctes) in statements)
            if (offset >= start && offset < end && ctes.Find(so) is not null) return true;
        return false;
    }

    /// <summary>Objects this file creates outside the catalog's view: CREATE TABLE inside procedures, SELECT INTO, synonyms.</summary>
    private static HashSet<QualifiedName> CreatedHere(SyntaxIndex index)
    {
        var created = new HashSet<QualifiedName>();
        foreach (var c in index.OfType<CreateTableStatement>())
            if (c.SchemaObjectName is { } n) created.Add(DdlReader.NameOf(n));
        foreach (var s in index.OfType<SelectStatement>())
            if (s.Into is { } into) created.Add(DdlReader.NameOf(into));
        foreach (var s in index.OfType<CreateSynonymStatement>())
            if (s.Name is { } n) created.Add(DdlReader.NameOf(n));
        return created;
    }

    /// <summary>`UPDATE s ... FROM Dim.Customer AS s`, `DELETE d FROM ... AS d`: targets that are aliases, not tables.</summary>
    private static HashSet<NamedTableReference>? AliasTargets(SyntaxIndex index)
    {
        HashSet<NamedTableReference>? result = null;
        foreach (var spec in index.OfType<UpdateDeleteSpecificationBase>())
        {
            if (spec.Target is not NamedTableReference { SchemaObject.SchemaIdentifier: null } target || spec.FromClause is null) continue;
            var aliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var leaf in JoinTree.Leaves(spec.FromClause))
                if (leaf.Source is TableReferenceWithAlias { Alias: { } alias }) aliases.Add(alias.Value);
            if (aliases.Contains(target.SchemaObject.BaseIdentifier.Value)) (result ??= new()).Add(target);
        }
        return result;
    }

    // ---- columns ----------------------------------------------------------------------------------

    private static void CheckColumns(RuleContext context)
    {
        HashSet<int>? seen = null;
        foreach (var t in context.Transformations)
        {
            foreach (var u in t.Unresolved)
            {
                var reference = u.Reference;
                if (!(seen ??= new()).Add(reference.StartOffset)) continue;
                ReportColumn(context, u.Table, reference.MultiPartIdentifier.Identifiers[^1], reference);
            }
            foreach (var a in t.Assignments)
            {
                if (a.TargetColumn is not null || a.Table.IsLocal) continue;
                if (a.Statement is not (InsertStatement or UpdateStatement or MergeStatement)) continue;
                if (TargetNamesDatabase(a.Statement) || context.Catalog.Find(a.Table) is not { } table) continue;
                if (TargetColumnReference(a.Statement, a.Column) is not { } reference) continue;
                if (!(seen ??= new()).Add(reference.StartOffset)) continue;
                ReportColumn(context, table, reference.MultiPartIdentifier.Identifiers[^1], reference);
            }
        }
    }

    private static void ReportColumn(RuleContext context, TableDef table, Identifier identifier, TSqlFragment at)
    {
        // The catalog keeps one definition per name; another database project's table of the same name
        // (a staging table in both the ODS and the DWH project) says nothing of this project's columns.
        if (table.Location is { } defined && context.Projects.ProjectOf(context.Document.Path) is { } here &&
            context.Projects.ProjectOf(defined.File) is { } there && !string.Equals(here, there, StringComparison.OrdinalIgnoreCase))
            return;

        var names = new List<string>(table.Columns.Count);
        foreach (var c in table.Columns) names.Add(c.Name);
        var match = SingleCloseMatch(identifier.Value, names);
        var related = table.Location is null ? null : new[] { context.Related(table.Location, $"{table.Name} is defined here") };
        Fix[]? fixes = null;
        if (match is not null)
        {
            var text = identifier.QuoteType == QuoteType.SquareBracket ? "[" + match.Replace("]", "]]") + "]" : QuoteName(match);
            fixes = new[] { context.Fix($"Did you mean {QuoteName(match)}?", context.Replace(identifier, text)) };
        }
        context.Report(at,
            $"{table.Name} has no column {QuoteName(identifier.Value)}{(match is null ? "." : $"; did you mean {QuoteName(match)}?")} SQL Server fails the statement when it runs (invalid column name, error 207). Correct the name, or add the column to the table's definition.",
            fixes, related);
    }

    /// <summary>A target written db.schema.name: the workspace's table of that name may not be the one meant, so its columns are not checked.</summary>
    private static bool TargetNamesDatabase(TSqlStatement statement) => statement switch
    {
        InsertStatement { InsertSpecification.Target: NamedTableReference t } => t.SchemaObject.DatabaseIdentifier is not null,
        UpdateStatement { UpdateSpecification.Target: NamedTableReference t } => t.SchemaObject.DatabaseIdentifier is not null,
        MergeStatement { MergeSpecification.Target: NamedTableReference t } => t.SchemaObject.DatabaseIdentifier is not null,
        _ => false,
    };

    /// <summary>The column reference naming <paramref name="column"/> as a target of the statement (column list or SET).</summary>
    private static ColumnReferenceExpression? TargetColumnReference(TSqlStatement statement, string column)
    {
        switch (statement)
        {
            case InsertStatement { InsertSpecification: { } spec }:
                return Find(spec.Columns, column);
            case UpdateStatement { UpdateSpecification: { } spec }:
                return FindInSet(spec.SetClauses, column);
            case MergeStatement { MergeSpecification: { } spec }:
                foreach (var clause in spec.ActionClauses)
                {
                    var found = clause.Action switch
                    {
                        InsertMergeAction i => Find(i.Columns, column),
                        UpdateMergeAction u => FindInSet(u.SetClauses, column),
                        _ => null,
                    };
                    if (found is not null) return found;
                }
                return null;
            default:
                return null;
        }
    }

    private static ColumnReferenceExpression? Find(IList<ColumnReferenceExpression> columns, string column)
    {
        foreach (var c in columns)
            if (c.MultiPartIdentifier is { } id && string.Equals(id.Identifiers[^1].Value, column, StringComparison.OrdinalIgnoreCase)) return c;
        return null;
    }

    private static ColumnReferenceExpression? FindInSet(IList<SetClause> clauses, string column)
    {
        foreach (var s in clauses)
            if (s is AssignmentSetClause { Column.MultiPartIdentifier: { } id } a && string.Equals(id.Identifiers[^1].Value, column, StringComparison.OrdinalIgnoreCase))
                return a.Column;
        return null;
    }
}
