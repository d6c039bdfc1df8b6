using EtlAgent.Core.Analysis;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.RootCause;

/// <summary>Which statements changed since the base version, and the smallest edit inside each (no sandbox).</summary>
public class DifferentialLocalizerTests
{
    private const string Tables = "CREATE TABLE dbo.Src ([Customer Code] nvarchar(20), [Bill To Code] nvarchar(20), Amount int);\nCREATE TABLE dbo.Dst ([Customer Code] nvarchar(20), Amount int);\n";

    private const string Green = """
        CREATE PROCEDURE dbo.Load AS
        BEGIN
            DELETE FROM dbo.Dst;
            INSERT INTO dbo.Dst ([Customer Code], Amount)
            SELECT s.[Customer Code], s.Amount FROM dbo.Src AS s WHERE s.Amount > 0;
            UPDATE d SET d.Amount = s.Amount FROM dbo.Dst AS d JOIN dbo.Src AS s ON s.[Customer Code] = d.[Customer Code];
        END;
        """;

    private static StatementIndex Index(string procedure)
    {
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }
            .Analyze(new MemoryFileSource().Add("tables.sql", Tables).Add("load.sql", procedure));
        return new StatementIndex(analysis.FindTransformation("dbo.Load")!);
    }

    [Fact]
    public void One_changed_operator_is_one_change_with_the_operator_as_its_edit()
    {
        var now = Green.Replace("s.Amount > 0", "s.Amount >= 0", StringComparison.Ordinal);
        var change = Assert.Single(DifferentialLocalizer.Changes(Index(now), Index(Green), now, Green));
        Assert.Equal(4, change.Current!.Line); // the INSERT … SELECT starts on line 4
        Assert.Equal(">=", change.Edit.Original);
        Assert.Equal(">", change.Edit.Replacement);
    }

    [Fact]
    public void A_changed_bracketed_column_is_edited_as_the_whole_name()
    {
        var now = Green.Replace("ON s.[Customer Code] = d.[Customer Code]", "ON s.[Bill To Code] = d.[Customer Code]", StringComparison.Ordinal);
        var change = Assert.Single(DifferentialLocalizer.Changes(Index(now), Index(Green), now, Green));
        Assert.Equal(6, change.Current!.Line);
        Assert.Equal("s.[Bill To Code]", change.Edit.Original);
        Assert.Equal("s.[Customer Code]", change.Edit.Replacement);
        Assert.Equal(BugClass.WrongJoinKey, BugClassifier.Classify(
            new FailureShape(Array.Empty<Model.QualifiedName>(), new[] { "Amount" }, 1, 1, false, null, "x"), change.Current.Node, change.Current.Text, change.Edit));
    }

    [Fact]
    public void A_deleted_statement_is_a_change_at_the_statement_that_follows_it()
    {
        var now = Green.Replace("    DELETE FROM dbo.Dst;\n", "", StringComparison.Ordinal);
        var change = Assert.Single(DifferentialLocalizer.Changes(Index(now), Index(Green), now, Green));
        Assert.Null(change.Current);
        Assert.Equal("statement deleted", change.Edit.Operator);
        Assert.StartsWith("DELETE FROM dbo.Dst", change.BaseText);
    }
}
