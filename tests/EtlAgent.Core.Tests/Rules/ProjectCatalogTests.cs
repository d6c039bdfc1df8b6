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

    // ods's loader fills its staging UpdatedAt; dwh's transfer writes dwh's own staging table of that name, without it
    private static MemoryFileSource FilledInOneProject() => new MemoryFileSource()
        .Add("dwh/dwh.sqlproj", "<Project />")
        .Add("dwh/Tables/staging.Rate.sql", "CREATE TABLE staging.Rate (Code nchar(3) NULL, UpdatedAt datetime NULL);")
        .Add("dwh/Procedures/Transfer.sql", "CREATE PROCEDURE staging.Transfer @Code nchar(3) AS\nBEGIN\n    INSERT INTO staging.Rate (Code) VALUES (@Code);\nEND")
        .Add("ods/ods.sqlproj", "<Project />")
        .Add("ods/Tables/staging.Rate.sql", "CREATE TABLE staging.Rate (Code nchar(3) NULL, UpdatedAt datetime NULL);")
        .Add("ods/Tables/odins.Rate.sql", "CREATE TABLE odins.Rate (Code nchar(3) NOT NULL, UpdatedAt datetime NOT NULL);")
        .Add("ods/Procedures/LoadBuffer.sql", "CREATE PROCEDURE odins.LoadBuffer @Code nchar(3) AS\nBEGIN\n    INSERT INTO staging.Rate (Code, UpdatedAt) VALUES (@Code, GETDATE());\nEND")
        .Add("ods/Procedures/LoadStaging.sql", "CREATE PROCEDURE odins.LoadStaging AS\nBEGIN\n    INSERT INTO odins.Rate (Code, UpdatedAt) SELECT s.Code, s.UpdatedAt FROM staging.Rate AS s WHERE s.Code IS NOT NULL;\nEND");

    [Fact]
    public void Writers_of_another_projects_table_of_the_same_name_do_not_count_for_a_filled_column()
    {
        Assert.Empty(NullableIntoNotNull(FilledInOneProject()));
    }

    [Fact]
    public void Without_project_files_every_writer_of_the_name_counts_for_a_filled_column()
    {
        var files = FilledInOneProject();
        var flat = new MemoryFileSource();
        foreach (var path in files.EnumerateFiles().Where(p => !p.EndsWith(".sqlproj", StringComparison.Ordinal))) flat.Add(path, files.ReadAllText(path));
        Assert.Equal(new[] { "ods/Procedures/LoadStaging.sql" }, NullableIntoNotNull(flat));
    }
}
