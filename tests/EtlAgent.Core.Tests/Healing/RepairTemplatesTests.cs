using EtlAgent.Core.Healing;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>The repair templates per bug class, on one statement each: the edit each makes (the verifier decides which holds).</summary>
public class RepairTemplatesTests
{
    private const string Schema = """
        CREATE TABLE dbo.Src (Id int NOT NULL, Code nvarchar(20) NULL, Name nvarchar(40) NULL, Amount int NULL);
        GO
        CREATE TABLE dbo.Dst (Id int NOT NULL, Code nvarchar(20) NULL, Name nvarchar(40) NULL, Total int NULL);
        GO
        CREATE TABLE dbo.DimCode (CodeKey int NOT NULL, Code nvarchar(20) NOT NULL, ValidFrom datetime2 NOT NULL, ValidTo datetime2 NOT NULL);
        GO
        """;

    private static IReadOnlyList<(string Class, string Before, string After)> Repairs(string body)
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("p.sql", $"CREATE PROCEDURE dbo.P AS\nBEGIN\n{body}\nEND;\n");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("dbo.P")!;
        var text = t.Document.Text;
        var statement = ProcedureStatements.Of(t).Single();
        var suspect = new SuspectStatement("p.sql", statement.Start, statement.End);
        return RepairTemplates.For(t, analysis.Catalog, suspect)
            .Select(c => (c.BugClass, text, SpanEdits.Apply(text, c.Edits, "p.sql")!))
            .Select(x => (x.BugClass, Statement(x.text, statement.Start), Statement(x.Item3, statement.Start))).ToList();
    }

    private static string Statement(string text, int start) => text[start..text.IndexOf("\nEND;", StringComparison.Ordinal)].Trim();

    [Fact]
    public void A_comparison_of_two_nullable_columns_is_made_null_safe()
    {
        var repairs = Repairs("UPDATE d SET d.Name = s.Name FROM dbo.Dst AS d JOIN dbo.Src AS s ON s.Id = d.Id WHERE d.Code <> s.Code;");
        Assert.Contains(repairs, r => r.Class == HealClasses.NullUnsafeComparison &&
            r.After.EndsWith("WHERE (d.Code <> s.Code OR (d.Code IS NULL AND s.Code IS NOT NULL) OR (d.Code IS NOT NULL AND s.Code IS NULL));", StringComparison.Ordinal));
        Assert.Contains(repairs, r => r.Class == HealClasses.JoinType && r.After.Contains("LEFT JOIN dbo.Src", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lookup_of_a_versioned_table_gets_its_current_row_filter_in_the_join_of_a_left_join()
    {
        var repairs = Repairs("INSERT INTO dbo.Dst (Id, Code) SELECT s.Id, c.Code FROM dbo.Src AS s LEFT JOIN dbo.DimCode AS c ON c.Code = s.Code;");
        var filter = repairs.Where(r => r.Class == HealClasses.MissingCurrentRowFilter).Select(r => r.After).ToList();
        Assert.Contains("INSERT INTO dbo.Dst (Id, Code) SELECT s.Id, c.Code FROM dbo.Src AS s LEFT JOIN dbo.DimCode AS c ON c.Code = s.Code AND c.[ValidTo] = '9999-12-31 23:59:59.9999999';", filter);
        Assert.DoesNotContain(filter, f => f.Contains("WHERE", StringComparison.Ordinal)); // a WHERE would turn the LEFT JOIN into an inner one
    }

    [Fact]
    public void Boundaries_aggregates_and_truncating_conversions_have_their_repairs()
    {
        var repairs = Repairs("INSERT INTO dbo.Dst (Id, Name, Total) SELECT s.Id, CONVERT(nvarchar(10), s.Name), MIN(s.Amount) FROM dbo.Src AS s WHERE s.Amount < 10 GROUP BY s.Id, s.Name;");
        Assert.Contains(repairs, r => r.Class == HealClasses.Boundary && r.After.Contains("s.Amount <= 10", StringComparison.Ordinal));
        Assert.Contains(repairs, r => r.Class == HealClasses.WrongAggregate && r.After.Contains("MAX(s.Amount)", StringComparison.Ordinal));
        // widened to the written column of that type: Dst.Name nvarchar(40) (and Code's 20)
        Assert.Contains(repairs, r => r.Class == HealClasses.Truncation && r.After.Contains("CONVERT(nvarchar(40), s.Name)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_row_numbering_is_offered_the_other_way_round()
    {
        var repairs = Repairs("UPDATE d SET d.Total = x.n FROM dbo.Dst AS d JOIN (SELECT s.Id, ROW_NUMBER() OVER (PARTITION BY s.Id ORDER BY s.Amount DESC, s.Code) AS n FROM dbo.Src AS s) AS x ON x.Id = d.Id;");
        var flips = repairs.Where(r => r.Class == HealClasses.Expression).Select(r => r.After).ToList();
        Assert.Contains(flips, f => f.Contains("ORDER BY s.Amount ASC, s.Code)", StringComparison.Ordinal));
        Assert.Contains(flips, f => f.Contains("ORDER BY s.Amount DESC, s.Code DESC)", StringComparison.Ordinal));
    }
}
