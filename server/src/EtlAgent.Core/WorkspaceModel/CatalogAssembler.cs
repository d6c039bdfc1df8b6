using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.WorkspaceModel;

/// <summary>A catalog problem found while assembling: e.g. the same table defined in two files.</summary>
public sealed record CatalogProblem(Location Location, string Message, Location? Other);

/// <summary>
/// Builds the workspace catalog from every document's CREATE TABLE/TYPE/SEQUENCE, then derives
/// view and table-valued function shapes from their queries (views over views in dependency order).
/// A live catalog, when given, is the base and workspace objects it lacks are added to it.
/// Tables the documents' code uses that nothing defines get stand-ins (<see cref="StandInInference"/>)
/// unless the caller adds them itself once it has seen every document.
/// </summary>
public static class CatalogAssembler
{
    public static SchemaCatalog Assemble(IEnumerable<DocumentFacts> documents, SchemaCatalog? live, List<CatalogProblem>? problems = null,
        IReadOnlyList<ExternalObject>? external = null, int compatibilityLevel = SqlParser.DefaultCompatibilityLevel, bool standIns = true,
        DatabaseProjects? projects = null)
    {
        var docs = documents.ToList();
        var buildOutput = projects ?? DatabaseProjects.None;
        var tables = new Dictionary<QualifiedName, TableDef>();
        if (live is not null)
            foreach (var t in live.All) tables[t.Name] = t;
        var sequences = new Dictionary<QualifiedName, SequenceDef>();
        if (live is not null)
            foreach (var s in live.Sequences) sequences[s.Name] = s;
        var liveNames = new HashSet<QualifiedName>(tables.Keys);
        var projectTables = new Dictionary<string, List<TableDef>>(StringComparer.OrdinalIgnoreCase);
        // Alias types first (the first definition by path, like tables): every type reference below resolves against them.
        var aliasTypes = new AliasTypes((live?.AliasTypes.All ?? Enumerable.Empty<AliasTypeDef>())
            .Concat(docs.OrderBy(d => buildOutput.IsBuildOutput(d.Document.Path)).ThenBy(d => d.Document.Path, StringComparer.Ordinal).SelectMany(d => d.AliasTypes)));

        // a project's generated deployment script restates its tables: the source definitions come first (DefinitionPreference)
        foreach (var doc in docs.OrderBy(d => buildOutput.IsBuildOutput(d.Document.Path)).ThenBy(d => d.Document.Path, StringComparer.Ordinal))
        {
            foreach (var t in doc.Tables)
            {
                if (t.Name.IsTemp) continue;
                if (tables.TryGetValue(t.Name, out var existing) && !liveNames.Contains(t.Name))
                {
                    // a migration restates an object's history: the schema model's definition, or a later migration's, is its final shape
                    if (existing.Location?.File is { } old && MigrationFolders.Contains(old) && t.Location?.File is { } later)
                    {
                        problems?.Add(new CatalogProblem(existing.Location!, $"{t.Name} is defined more than once; the definition in {later} is used.", t.Location));
                        tables[t.Name] = t;
                        continue;
                    }
                    // another database project's table of the same name is another table: its project's code sees it
                    if (t.Location?.File is { } file && existing.Location?.File is { } first
                        && buildOutput.ProjectOf(file) is { } project && !string.Equals(project, buildOutput.ProjectOf(first), StringComparison.OrdinalIgnoreCase))
                    {
                        if (!projectTables.TryGetValue(project, out var own)) projectTables[project] = own = new List<TableDef>();
                        if (!own.Any(o => o.Name == t.Name)) own.Add(t);
                        continue;
                    }
                    problems?.Add(new CatalogProblem(t.Location!, $"{t.Name} is defined more than once; the definition in {existing.Location?.File} is used.", existing.Location));
                    continue;
                }
                if (!liveNames.Contains(t.Name)) tables[t.Name] = t;
            }
            foreach (var s in doc.Sequences)
                sequences.TryAdd(s.Name, s);
        }

        // Guarded definitions (`IF NOT EXISTS (...) CREATE TABLE ...`) say "create unless it is there":
        // they fill in names nothing above defines (the first by path, as above) and are never duplicates.
        foreach (var doc in docs.OrderBy(d => d.Document.Path, StringComparer.Ordinal))
        {
            foreach (var t in doc.GuardedTables)
                if (!t.Name.IsTemp) tables.TryAdd(t.Name, t);
            foreach (var s in doc.GuardedSequences)
                sequences.TryAdd(s.Name, s);
        }

        // ALTER TABLE ... ADD columns (migration scripts) extend the table; a column it already has is left as defined.
        // Constraints added apart (release scripts add every key, foreign key, check and default so) join the table's own.
        foreach (var doc in docs.OrderBy(d => d.Document.Path, StringComparer.Ordinal))
        {
            foreach (var add in doc.AddedColumns)
            {
                if (liveNames.Contains(add.Name) || !tables.TryGetValue(add.Name, out var table)) continue;
                var columns = table.Columns.ToList();
                foreach (var c in add.Columns)
                    if (table.FindColumn(c.Name) is null) columns.Add(c);
                if (columns.Count > table.Columns.Count) table = table with { Columns = columns };
                tables[add.Name] = AddedConstraints.Merge(table, add);
            }
            // ALTER TABLE ... ALTER COLUMN (a widened varchar in a migration or a guarded deployment script): the column takes the new type
            foreach (var alter in doc.AlteredColumns)
            {
                if (liveNames.Contains(alter.Name) || !tables.TryGetValue(alter.Name, out var table)) continue;
                var changed = alter.Columns[0];
                if (table.FindColumn(changed.Name) is not { } column) continue;
                tables[alter.Name] = table with { Columns = table.Columns.Select(c => ReferenceEquals(c, column) ? c with { Type = changed.Type } : c).ToList() };
            }
            foreach (var d in doc.AddedDefaults)
                if (!liveNames.Contains(d.Table) && tables.TryGetValue(d.Table, out var table))
                    tables[d.Table] = AddedConstraints.MergeDefault(table, d);
            // sp_rename of a column (migrations): the table's keys, and foreign keys that reference it, follow
            foreach (var r in doc.ColumnRenames)
            {
                if (liveNames.Contains(r.Table) || !tables.TryGetValue(r.Table, out var table)) continue;
                var renamed = ColumnRenames.Apply(table, r);
                if (ReferenceEquals(renamed, table)) continue;
                var from = table.FindColumn(r.From)!.Name;
                tables[r.Table] = renamed;
                foreach (var other in tables.Values.Where(t => t.ForeignKeys.Any(f => f.ReferencedTable == r.Table)).ToList())
                    tables[other.Name] = ColumnRenames.Referencing(tables[other.Name], r.Table, from, r.To);
            }
        }

        // Columns were read per document, before every alias type was known: resolve them now.
        if (aliasTypes.Count > 0)
            foreach (var name in tables.Keys.Where(n => !liveNames.Contains(n)).ToList())
                tables[name] = aliasTypes.Resolve(tables[name]);

        // Multi-statement TVFs declare their result; inline TVFs and views are derived below.
        foreach (var doc in docs)
            foreach (var f in doc.Functions)
                if (f.ReturnType is TableValuedFunctionReturnType tvf && tvf.DeclareTableVariableBody?.Definition is { } def)
                    tables.TryAdd(DdlReader.NameOf(f.Name), DdlReader.ReadDeclaredTable(doc.Document, DdlReader.NameOf(f.Name), def, f.Name, aliasTypes));

        var derived = new List<(SqlDocument Doc, QualifiedName Name, TableKind Kind, SelectStatement Select, IReadOnlyList<string> Columns, TSqlFragment At, IReadOnlyList<ParameterDef> Parameters)>();
        // a view or function defined in several files takes its shape from the definition in use (DefinitionPreference)
        foreach (var doc in DefinitionPreference.Order(docs, d => d.Document.Path, _ => 0, buildOutput))
        {
            foreach (var v in doc.Views)
                derived.Add((doc.Document, DdlReader.NameOf(v.SchemaObjectName), TableKind.View, v.SelectStatement, v.Columns.Select(c => c.Value).ToList(), v.SchemaObjectName, Array.Empty<ParameterDef>()));
            foreach (var f in doc.Functions)
                if (f.ReturnType is SelectFunctionReturnType inline)
                    derived.Add((doc.Document, DdlReader.NameOf(f.Name), TableKind.FunctionResult, inline.SelectStatement, Array.Empty<string>(), f.Name,
                        f.Parameters.Select(p => new ParameterDef(p.VariableName.Value, DataTypes.From(p.DataType, aliasTypes), false, false, null)).ToList()));
        }

        // Derive in dependency order: a view is ready once everything it reads is known; a few
        // rounds settle any order of files. Cycles (invalid in SQL Server anyway) end the loop.
        var pending = derived.Where(d => !liveNames.Contains(d.Name)).DistinctBy(d => d.Name).ToList();
        for (int round = 0; round < 8 && pending.Count > 0; round++)
        {
            var pendingNames = new HashSet<QualifiedName>(pending.Select(p => p.Name));
            var next = new List<(SqlDocument, QualifiedName, TableKind, SelectStatement, IReadOnlyList<string>, TSqlFragment, IReadOnlyList<ParameterDef>)>();
            // Objects derived in this round only become visible to the next one, so one catalog per round suffices.
            var catalog = new SchemaCatalog(tables.Values, sequences.Values, aliasTypes: aliasTypes);
            foreach (var item in pending)
            {
                var reads = TableAccessCollector.Collect(new[] { item.Select }).Reads;
                if (round < 7 && reads.Any(r => pendingNames.Contains(r) && r != item.Name)) { next.Add(item); continue; }
                var outputs = new LineageAnalyzer(catalog, item.Parameters).QueryOutputs(item.Select, out bool complete);
                // An inline function's columns computed from its parameters are NULL only if an argument is:
                // derive them once more as if every argument had a value, so a call with values can tell.
                var givenValues = item.Parameters.Count == 0 ? null
                    : new LineageAnalyzer(catalog, item.Parameters, parametersHaveValues: true).QueryOutputs(item.Select, out _);
                var columns = new List<ColumnDef>();
                for (int i = 0; i < outputs.Count; i++)
                {
                    var name = i < item.Columns.Count ? item.Columns[i] : outputs[i].Name;
                    if (string.IsNullOrEmpty(name) || name == "*") continue;
                    bool nullable = outputs[i].Origin.Nullable ?? true;
                    columns.Add(new ColumnDef(name, outputs[i].Origin.Type ?? new SqlType("sql_variant"), nullable,
                        Location: item.Doc.LocationOf(item.At),
                        NotNullGivenArguments: nullable && givenValues is not null && i < givenValues.Count && givenValues[i].Origin.Nullable == false,
                        CopiedFrom: outputs[i].Origin is { Kind: MappingKind.Direct, Sources.Count: 1 } direct ? direct.Sources.First() : null));
                }
                if (tables.TryGetValue(item.Name, out var existing))
                {
                    problems?.Add(new CatalogProblem(item.Doc.LocationOf(item.At), $"{item.Name} is defined more than once; the definition in {existing.Location?.File} is used.", existing.Location));
                    continue;
                }
                tables[item.Name] = new TableDef(item.Name, item.Kind, columns, null, Array.Empty<KeyDef>(), Array.Empty<ForeignKeyDef>(),
                    Array.Empty<CheckDef>(), item.Doc.LocationOf(item.At), IsComplete: complete, AtMostOneRow: OneRowQuery.Is(item.Select.QueryExpression));
            }
            pending = next;
        }

        // Declared external objects fill in what neither the workspace nor the live database defines.
        if (external is not null)
            foreach (var t in ExternalTables(external, compatibilityLevel, aliasTypes))
                tables.TryAdd(t.Name, t);

        // A synonym reads as its target; one for an object elsewhere (another database) is known by name only.
        var known = external?.Select(e => e.Name).ToList() ?? new List<string>();
        foreach (var doc in docs)
            foreach (var syn in doc.Synonyms)
            {
                if (!syn.Remote && tables.TryGetValue(syn.Target, out var target)) tables.TryAdd(syn.Name, target with { Name = syn.Name, Location = syn.Location });
                else if (!tables.ContainsKey(syn.Name)) known.Add($"[{syn.Name.Schema.Replace("]", "]]")}].[{syn.Name.Name.Replace("]", "]]")}]");
            }
        var names = known.Count == 0 ? null : new ExternalNames(known);
        // Tables the code uses that nothing defines get stand-ins shaped by that use.
        var declared = new SchemaCatalog(tables.Values, sequences.Values, names, aliasTypes)
            .WithProjectTables(projectTables.ToDictionary(p => p.Key, p => (IReadOnlyList<TableDef>)p.Value.Select(aliasTypes.Resolve).ToList(), StringComparer.OrdinalIgnoreCase));
        return standIns ? declared.WithStandIns(StandInInference.Infer(docs, declared)) : declared;
    }

    /// <summary>
    /// The external objects declared with columns, as tables: their types are read by parsing a
    /// CREATE TABLE made from the declaration, so any type T-SQL accepts is accepted. A declaration
    /// that does not parse is a configuration error naming the object.
    /// </summary>
    private static IEnumerable<TableDef> ExternalTables(IReadOnlyList<ExternalObject> external, int compatibilityLevel, AliasTypes aliasTypes)
    {
        foreach (var e in external)
        {
            if (e.Columns.Count == 0 || e.IsPattern) continue;
            var parts = QualifiedName.SplitParts(e.Name);
            // a linked server's object (server.database.schema.name) is made as its database's: the sandbox is one server
            var nameText = parts.Count == 4 ? string.Join(".", parts.Skip(1).Select(Quote)) : e.Name;
            if (!QualifiedName.TryParse(nameText, out var name) || parts.Count > 4)
                throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: externalObjects: {e.Name} is not a name the sandbox can make (schema.name, database.schema.name or server.database.schema.name).");
            var sql = $"CREATE TABLE {Quote(name.Schema)}.{Quote(name.Name)} ({string.Join(", ", e.Columns.Select(c => Quote(c.Name) + " " + c.Type))});";
            var doc = new SqlParser(compatibilityLevel).Parse(WorkspaceSettings.ManifestFile, sql);
            if (doc.Errors.Count > 0 || doc.Script?.Batches.FirstOrDefault()?.Statements.FirstOrDefault() is not CreateTableStatement create)
                throw new ConfigurationException($"{WorkspaceSettings.ManifestFile}: externalObjects: the columns of {e.Name} are not valid column definitions ({doc.Errors.FirstOrDefault()?.Message ?? "not a table"}).");
            var table = DdlReader.ReadTable(doc, create, aliasTypes);
            // Positions inside the made-up statement would mislead: the object has no place in the workspace.
            yield return table with { Name = name, Location = null, Columns = table.Columns.Select(c => c with { Location = null }).ToList() };
        }
    }

    private static string Quote(string name) => "[" + name.Replace("]", "]]") + "]";
}
