using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>
/// A CREATE TABLE / VIEW / TYPE / SEQUENCE / table-valued FUNCTION whose name the workspace
/// defines elsewhere too. The catalog keeps the first definition (files in path order), so the
/// checks and the deployment may disagree about which one is real.
/// </summary>
public sealed class DuplicateDefinitionRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0099", "duplicate-definition", "Object defined more than once", Severity.Warning, "Correctness",
        new RuleDoc(
            "The same table, view, table type, sequence or table-valued function is created in more than one place (often a copy left behind by a refactoring, or a table and a view sharing a name). Only one definition can be deployed, and which one depends on script order; the analysis uses one of them (the first by file path and position, except that a definition outside migration folders wins over one in them and, among migrations, the last wins; a source file wins over its project's generated deployment script; table-valued functions with a declared result before inline ones) and reports the others. Keep one definition and delete or rename the others. ALTER statements, definitions inside procedures and guarded restatements in idempotent scripts (`IF OBJECT_ID(...) IS NULL CREATE TABLE ...`, used only when no unguarded definition exists) are not reported, and neither is a workspace object that a live database catalog already defines. Definitions in two database projects (`.sqlproj`) are two databases' objects; a project's generated deployment script (in its `OutputPath`) and migration scripts (a folder whose name contains `migration`) restate objects by design: none of these is reported.",
            Bad: "CREATE TABLE Dim.Customer ([Customer Key] int NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL);\nGO\n-- copied from the 2019 release script\nCREATE TABLE Dim.Customer ([Customer Key] int NOT NULL, CustomerCode nvarchar(10) NULL);",
            Good: "CREATE TABLE Dim.Customer ([Customer Key] int NOT NULL PRIMARY KEY, CustomerCode nvarchar(20) NOT NULL);\nGO\nCREATE TABLE Staging.Customer (CustomerCode nvarchar(20) NULL);"));

    public override void Check(RuleContext context)
    {
        foreach (var statement in DocumentScanner.TopLevelStatements(context.Document))
        {
            SchemaObjectName? name;
            bool sequence = false;
            switch (statement)
            {
                case CreateTableStatement t: name = t.SchemaObjectName; break;
                case CreateViewStatement v: name = v.SchemaObjectName; break;
                case CreateOrAlterViewStatement v: name = v.SchemaObjectName; break;
                case CreateTypeTableStatement t: name = t.Name; break;
                case CreateSequenceStatement s: name = s.Name; sequence = true; break;
                case CreateFunctionStatement { ReturnType: TableValuedFunctionReturnType or SelectFunctionReturnType } f: name = f.Name; break;
                case CreateOrAlterFunctionStatement { ReturnType: TableValuedFunctionReturnType or SelectFunctionReturnType } f: name = f.Name; break;
                default: continue;
            }
            if (name?.BaseIdentifier is null) continue;
            var q = DdlReader.NameOf(name);
            if (q.IsLocal) continue;

            // A definition without a location comes from a live database: the workspace may restate it.
            var other = sequence ? context.Catalog.FindSequence(q)?.Location : context.Catalog.Find(q)?.Location;
            if (other is null) continue;
            bool same = other.File == context.Document.Path &&
                        other.Range.StartOffset >= statement.StartOffset && other.Range.StartOffset < statement.StartOffset + statement.FragmentLength;
            if (same || !SameDatabase(context, context.Document.Path, other.File)) continue;

            var where = other.File == context.Document.Path ? $"at line {other.Range.Start.Line + 1} of this file" : $"in {other.File}";
            context.Report(name,
                $"{q} is also defined {where}, and that is the definition the analysis uses; which one a deployment keeps depends on script order. Keep one definition: delete or rename the other.",
                related: new[] { context.Related(other, $"{q} is defined here too (the definition in use)") });
        }
    }

    /// <summary>
    /// Whether two definitions compete for one database: not when they are in different database
    /// projects, when one is a project's generated deployment script (its output folder), or when one
    /// is a migration script (a migrations folder holds the history of each object, re-created by design).
    /// </summary>
    private static bool SameDatabase(RuleContext context, string a, string b)
    {
        if (a == b) return true;
        var projects = context.Projects;
        if (projects.IsBuildOutput(a) || projects.IsBuildOutput(b) || InMigrations(a) || InMigrations(b)) return false;
        return string.Equals(projects.ProjectOf(a), projects.ProjectOf(b), StringComparison.OrdinalIgnoreCase);
    }

    private static bool InMigrations(string path) => Workspace.MigrationFolders.Contains(path);
}
