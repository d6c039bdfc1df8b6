using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// A table defined in migration scripts and in a schema model: the catalog takes the schema model's definition
/// (the final shape), and of migrations alone the last, so a column a later migration or the model adds is known.
/// </summary>
public class MigrationCatalogTests
{
    [Fact]
    public void The_schema_model_or_else_the_last_migration_defines_the_table()
    {
        var root = TestPaths.Fixture("catalog-migrations");
        var files = new MemoryFileSource();
        foreach (var path in Directory.GetFiles(root, "*.sql", SearchOption.AllDirectories))
            files.Add(Path.GetRelativePath(root, path).Replace('\\', '/'), File.ReadAllText(path));
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);

        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0015");
        var subProcess = analysis.Catalog.Find(QualifiedName.Parse("Batch.SubProcess"))!;
        Assert.Equal("Schema-Model/Tables/SubProcess.sql", subProcess.Location?.File);
        Assert.NotNull(subProcess.FindColumn("Narrative"));
        Assert.NotNull(analysis.Catalog.Find(QualifiedName.Parse("Batch.RunStep"))!.FindColumn("StepName"));
    }
}
