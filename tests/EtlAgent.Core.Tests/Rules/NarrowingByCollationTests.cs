using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>ETL0005 and the database collation a project declares, which the one-file rule cases cannot show.</summary>
public class NarrowingByCollationTests
{
    private const string Table = "CREATE TABLE etl.ProcessedTable (TableName varchar(128) NOT NULL);";
    private const string Load = "CREATE PROCEDURE etl.Note AS\nBEGIN\n    INSERT INTO etl.ProcessedTable (TableName) VALUES ('Продажи');\nEND";

    private static IEnumerable<string> Narrowing(string? collation)
    {
        var project = collation is null ? "<Project />" : $"<Project><PropertyGroup><DefaultCollation>{collation}</DefaultCollation></PropertyGroup></Project>";
        var files = new MemoryFileSource().Add("ods/ods.sqlproj", project).Add("ods/Tables/ProcessedTable.sql", Table).Add("ods/Procedures/Note.sql", Load);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files).Findings.Where(f => f.RuleId == "ETL0005").Select(f => f.Message);
    }

    [Fact]
    public void Cyrillic_text_is_kept_in_varchar_under_a_Cyrillic_collation() => Assert.Empty(Narrowing("Cyrillic_General_CI_AS"));

    [Fact]
    public void Under_a_Latin_collation_or_none_declared_it_may_become_question_marks()
    {
        Assert.Contains("non-ASCII", Assert.Single(Narrowing("SQL_Latin1_General_CP1_CI_AS")));
        Assert.Contains("non-ASCII", Assert.Single(Narrowing(null)));
    }
}
