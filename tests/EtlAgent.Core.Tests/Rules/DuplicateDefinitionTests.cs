using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>Duplicates across files, which the one-file rule cases cannot show.</summary>
public class DuplicateDefinitionTests
{
    private const string Table = "CREATE TABLE Dim.Customer ([Customer Key] int NOT NULL PRIMARY KEY);";

    [Fact]
    public void The_later_file_is_reported_once_with_the_first_definition_related()
    {
        var files = new MemoryFileSource().Add("a/tables.sql", Table).Add("b/old.sql", "-- old\n" + Table);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);

        var finding = Assert.Single(analysis.Findings, f => f.RuleId == WorkspaceAnalysis.CatalogRuleId);
        Assert.Equal("b/old.sql", finding.Location.File);
        Assert.Equal(1, finding.Location.Range.Start.Line);
        Assert.Equal("a/tables.sql", Assert.Single(finding.Related).Location.File);
        Assert.Contains(finding, analysis.DiscoveryDiagnostics);
    }

    [Fact]
    public void A_table_a_live_catalog_defines_may_be_restated_in_the_workspace()
    {
        var live = new SchemaCatalog(new[]
        {
            new TableDef(new QualifiedName("Dim", "Customer"), TableKind.Table,
                new[] { new ColumnDef("Customer Key", new SqlType("int"), false) }, null,
                Array.Empty<KeyDef>(), Array.Empty<ForeignKeyDef>(), Array.Empty<CheckDef>()),
        }, Array.Empty<SequenceDef>());
        var files = new MemoryFileSource().Add("a/tables.sql", Table).Add("b/old.sql", Table);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default, live).Analyze(files);

        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == WorkspaceAnalysis.CatalogRuleId);
    }

    [Fact]
    public void Two_procedures_with_one_name_do_not_break_the_analysis()
    {
        const string Proc = "CREATE PROCEDURE Etl.Load AS BEGIN TRUNCATE TABLE Staging.X; END";
        var files = new MemoryFileSource().Add("a/load.sql", Proc).Add("old/load.sql", Proc);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);

        Assert.Single(analysis.Pipelines);
        Assert.Equal(2, analysis.Transformations.Count);
    }

    private static IEnumerable<Finding> Duplicates(MemoryFileSource files) =>
        new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files).Findings.Where(f => f.RuleId == WorkspaceAnalysis.CatalogRuleId);

    [Fact]
    public void One_name_in_two_database_projects_is_two_databases_objects()
    {
        var files = new MemoryFileSource()
            .Add("landing/landing.sqlproj", "<Project />").Add("landing/audit/Tables/Log.sql", Table)
            .Add("dwh/dwh.sqlproj", "<Project />").Add("dwh/audit/Tables/Log.sql", Table);
        Assert.Empty(Duplicates(files));
    }

    [Fact]
    public void A_duplicate_inside_one_database_project_is_still_reported()
    {
        var files = new MemoryFileSource()
            .Add("dwh/dwh.sqlproj", "<Project />").Add("dwh/Tables/Customer.sql", Table).Add("dwh/Scripts/old.sql", Table)
            .Add("other/other.sqlproj", "<Project />");
        Assert.Equal("dwh/Tables/Customer.sql", Assert.Single(Duplicates(files)).Location.File);
    }

    [Fact]
    public void A_migration_script_and_a_generated_deployment_script_restate_objects_by_design()
    {
        var files = new MemoryFileSource()
            .Add("db/db.sqlproj", "<Project><PropertyGroup><OutputPath>bin\\Debug\\</OutputPath></PropertyGroup>" +
                                 "<PropertyGroup><OutputPath>Release\\</OutputPath></PropertyGroup></Project>")
            .Add("db/Schema-Model/Tables/Customer.sql", Table)
            .Add("db/Migrations/1.0.1/002_Add_Customer.sql", Table)
            .Add("db/Release/db_Create.sql", Table);
        Assert.Empty(Duplicates(files));
    }
}
