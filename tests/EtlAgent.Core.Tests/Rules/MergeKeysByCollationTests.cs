using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Rules;

/// <summary>
/// ETL0013 and the database collation, which the one-file rule cases cannot show: seed rows whose keys differ
/// only in case are two keys under a binary or case-sensitive collation, one under the default. The collation is
/// the project's DefaultCollation or the one its pre-deployment script creates the database with.
/// </summary>
public class MergeKeysByCollationTests
{
    private const string Table = "CREATE TABLE ref.Unit (SourceId int NOT NULL, Code varchar(10) NOT NULL, Factor int NOT NULL, CONSTRAINT PK_Unit PRIMARY KEY (SourceId, Code));";
    private const string Seed =
        "MERGE INTO ref.Unit AS t\nUSING (VALUES (7, 'L', 1), (7, 'l', 1), (7, 'Box', 2), (7, 'BOX', 3)) AS s (SourceId, Code, Factor)\n" +
        "ON t.SourceId = s.SourceId AND t.Code = s.Code\nWHEN MATCHED THEN UPDATE SET Factor = s.Factor\n" +
        "WHEN NOT MATCHED BY TARGET THEN INSERT (SourceId, Code, Factor) VALUES (s.SourceId, s.Code, s.Factor);";

    private static int Findings(string project, params (string Path, string Text)[] extra)
    {
        var files = new MemoryFileSource().Add("dw/dw.sqlproj", project).Add("dw/Tables/Unit.sql", Table).Add("dw/Static Data/ref.Unit.data.sql", Seed);
        foreach (var (path, text) in extra) files.Add(path, text);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files).Findings.Count(f => f.RuleId == "ETL0013");
    }

    private const string CreateBinary = "IF DB_ID('$(DatabaseName)') IS NULL\nBEGIN\n    -- pick the collation here\n    CREATE DATABASE [$(DatabaseName)] COLLATE Latin1_General_BIN2;\nEND\nGO\nUSE [$(DatabaseName)];";

    [Fact]
    public void Keys_that_differ_in_case_collide_under_the_default_collation() =>
        Assert.Equal(1, Findings("<Project />"));

    [Fact]
    public void A_binary_DefaultCollation_keeps_them_apart() =>
        Assert.Equal(0, Findings("<Project><PropertyGroup><DefaultCollation>Latin1_General_BIN</DefaultCollation></PropertyGroup></Project>"));

    [Fact]
    public void A_pre_deployment_folder_script_that_creates_the_database_binary_keeps_them_apart() =>
        Assert.Equal(0, Findings("<Project><PropertyGroup><PreDeploymentSubFolder>Pre-Deployment</PreDeploymentSubFolder></PropertyGroup></Project>",
            ("dw/Pre-Deployment/01_Create.sql", CreateBinary)));

    [Fact]
    public void A_named_pre_deploy_script_counts_and_wins_over_the_model_collation() =>
        Assert.Equal(0, Findings("<Project><PropertyGroup><DefaultCollation>SQL_Latin1_General_CP1_CI_AS</DefaultCollation></PropertyGroup><ItemGroup><PreDeploy Include=\"Scripts\\Pre.sql\" /></ItemGroup></Project>",
            ("dw/Scripts/Pre.sql", CreateBinary)));

    [Fact]
    public void A_case_insensitive_database_or_a_script_that_is_not_pre_deployment_keeps_the_finding()
    {
        Assert.Equal(1, Findings("<Project><PropertyGroup><PreDeploymentSubFolder>Pre-Deployment</PreDeploymentSubFolder></PropertyGroup></Project>",
            ("dw/Pre-Deployment/01_Create.sql", "CREATE DATABASE [$(DatabaseName)] COLLATE Latin1_General_CI_AS;")));
        Assert.Equal(1, Findings("<Project />", ("dw/Scripts/Other.sql", CreateBinary)));
    }
}
