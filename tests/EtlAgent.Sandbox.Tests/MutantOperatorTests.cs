using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Sandbox.Tests;

/// <summary>The mutation operators added for issue 5: CASE branches swapped, column replaced by another of the same type, RIGHT JOIN swaps; and mutant reach.</summary>
public sealed class MutantOperatorTests
{
    private const string Table = """
        CREATE TABLE dbo.Stock ([Item Code] nvarchar(20) NOT NULL, [Bin Code] nvarchar(20) NOT NULL, [Quantity] int NOT NULL, [Reorder Level] int NOT NULL, [State] nvarchar(10) NULL);
        """;

    private const string Procedure = """
        CREATE PROCEDURE dbo.Classify
        AS
        BEGIN
            UPDATE s
            SET s.[State] = CASE WHEN s.[Quantity] > s.[Reorder Level] THEN N'ok' WHEN s.[Quantity] > 0 THEN N'low' ELSE N'out' END
            FROM dbo.Stock AS s;

            SELECT s.[Item Code], s.[Quantity]
            FROM dbo.Stock AS s
            RIGHT JOIN dbo.Stock AS t ON t.[Item Code] = s.[Item Code];

            IF 1 = 0
            BEGIN
                DELETE FROM dbo.Stock WHERE [Quantity] < 0;
            END
        END
        """;

    private static (WorkspaceAnalysis Analysis, IReadOnlyList<Mutant> Mutants) Mutants()
    {
        var files = new MemoryFileSource(new Dictionary<string, string> { ["Tables/Stock.sql"] = Table, ["Procedures/Classify.sql"] = Procedure });
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        var t = analysis.FindTransformation("dbo.Classify")!;
        return (analysis, MutantGenerator.Generate(t, analysis.Catalog));
    }

    [Fact]
    public void CASE_branches_are_swapped()
    {
        var swaps = Mutants().Mutants.Where(m => m.Operator == "CASE branches swapped").Select(m => m.Mutated).ToList();
        Assert.Contains("N'low' WHEN s.[Quantity] > 0 THEN N'ok'", swaps);
        Assert.Contains("N'out' ELSE N'low'", swaps);
        Assert.Equal(2, swaps.Count);
    }

    [Fact]
    public void A_column_is_replaced_by_another_of_the_same_type_only()
    {
        var replaced = Mutants().Mutants.Where(m => m.Operator == "column replaced").Select(m => $"{m.Original} → {m.Mutated}").ToList();
        Assert.Contains("s.[Quantity] → s.[Reorder Level]", replaced);     // int for int
        Assert.Contains("s.[Item Code] → s.[State]", replaced);            // nvarchar for nvarchar
        Assert.DoesNotContain(replaced, r => r.StartsWith("s.[Quantity] → s.[Item Code]", StringComparison.Ordinal));
    }

    [Fact]
    public void RIGHT_JOIN_becomes_LEFT_and_INNER()
    {
        var joins = Mutants().Mutants.Where(m => m.Operator.StartsWith("RIGHT JOIN", StringComparison.Ordinal)).Select(m => m.Mutated).ToList();
        Assert.Equal(new[] { "LEFT", "INNER" }, joins);
    }

    [Fact]
    public void A_mutant_in_a_statement_no_run_reaches_is_not_reached()
    {
        var (analysis, mutants) = Mutants();
        var reach = new MutantReach(analysis.FindTransformation("dbo.Classify")!);
        var delete = mutants.Single(m => m.Operator == "relational operator < → <=");
        var update = mutants.First(m => m.Operator == "CASE branches swapped");
        var file = analysis.FindTransformation("dbo.Classify")!.Transformation.File;
        var updateStatement = reach.StatementOf(update)!.Value;
        var ran = new HashSet<(string, int)> { updateStatement };
        Assert.True(reach.Reaches(update, ran));
        Assert.False(reach.Reaches(delete, ran));
        Assert.True(reach.Reaches(delete, null));   // coverage unknown: every mutant counts as reached
        Assert.Equal(file, updateStatement.File);
    }
}
