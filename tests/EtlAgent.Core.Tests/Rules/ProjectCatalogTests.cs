using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// Two database projects each define a table of one name (a staging table per database): the code of
/// each project is checked against its own project's table, which the one-file rule cases cannot show.
/// </summary>
public class ProjectCatalogTests
{
    private static MemoryFileSource Workspace() => new MemoryFileSource()
        .Add("dwh/dwh.sqlproj", "<Project />")
        .Add("dwh/Tables/staging.Currency.sql", "CREATE TABLE staging.Currency (Id bigint NOT NULL, NKey uniqueidentifier NULL);")
        .Add("dwh/Tables/target.Currency.sql", "CREATE TABLE target.Currency (Id bigint NOT NULL, NKey uniqueidentifier NOT NULL);")
        .Add("dwh/Procedures/Publish.sql", "CREATE PROCEDURE target.Publish AS\nBEGIN\n    INSERT INTO target.Currency (Id, NKey) SELECT s.Id, s.NKey FROM staging.Currency AS s;\nEND")
        .Add("ods/ods.sqlproj", "<Project />")
        .Add("ods/Tables/staging.Currency.sql", "CREATE TABLE staging.Currency (Id bigint NOT NULL, NKey uniqueidentifier NOT NULL);")
        .Add("ods/Tables/odins.Currency.sql", "CREATE TABLE odins.Currency (Id bigint NOT NULL, NKey uniqueidentifier NOT NULL);")
        .Add("ods/Procedures/Load.sql", "CREATE PROCEDURE odins.Load AS\nBEGIN\n    INSERT INTO odins.Currency (Id, NKey) SELECT s.Id, s.NKey FROM staging.Currency AS s;\nEND");

    private static List<string> NullableIntoNotNull(MemoryFileSource files) =>
        new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files).Findings.Where(f => f.RuleId == "ETL0006").Select(f => f.Location.File).ToList();

    [Fact]
    public void Each_project_reads_its_own_table_of_a_shared_name()
    {
        // dwh's staging key is NULL-able; ods's is NOT NULL, though dwh's definition comes first by path
        Assert.Equal(new[] { "dwh/Procedures/Publish.sql" }, NullableIntoNotNull(Workspace()));
    }

    [Fact]
    public void Without_project_files_the_first_definition_serves_every_file()
    {
        var files = Workspace();
        var flat = new MemoryFileSource();
        foreach (var path in files.EnumerateFiles().Where(p => !p.EndsWith(".sqlproj", StringComparison.Ordinal))) flat.Add(path, files.ReadAllText(path));
        Assert.Equal(new[] { "dwh/Procedures/Publish.sql", "ods/Procedures/Load.sql" }, NullableIntoNotNull(flat).OrderBy(p => p, StringComparer.Ordinal));
    }
}
