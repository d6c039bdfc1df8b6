using EtlAgent.Core.Healing;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Healing;

/// <summary>
/// The templates for conditions and columns (<see cref="ConditionTemplates"/>, <see cref="ReplacedColumnTemplate"/>):
/// a comparison turned around, a condition that tests nothing where a lost one belongs, a column read
/// in place of the same-named one — the edit each makes on one statement (the verifier decides which holds).
/// </summary>
public class ConditionAndColumnTemplatesTests
{
    private const string Schema = """
        CREATE TABLE dbo.Src (Id int NOT NULL, Code nvarchar(20) NULL, Name nvarchar(40) NULL, Amount int NULL);
        GO
        CREATE TABLE dbo.Dst (Id int NOT NULL CONSTRAINT PK_Dst PRIMARY KEY, Code nvarchar(20) NULL, Name nvarchar(40) NULL, Total int NULL);
        GO
        """;

    private static (TransformationAnalysis T, EtlAgent.Core.Catalog.SchemaCatalog Catalog, SuspectStatement Suspect, string Text) Parse(string body, string parameters = "", int statement = 0)
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("p.sql", $"CREATE PROCEDURE dbo.P {parameters} AS\nBEGIN\n{body}\nEND;\n");
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true }.Analyze(files);
        var t = analysis.FindTransformation("dbo.P")!;
        var s = ProcedureStatements.Of(t).ElementAt(statement);
        return (t, analysis.Catalog, new SuspectStatement("p.sql", s.Start, s.End), t.Document.Text);
    }

    private static List<string> Applied(string text, IEnumerable<RepairCandidate> candidates) =>
        candidates.Select(c => SpanEdits.Apply(text, c.Edits, "p.sql")!).ToList();

    [Fact]
    public void Comparisons_and_null_tests_are_turned_around_but_not_a_comparison_of_constants()
    {
        var (t, _, suspect, text) = Parse("DELETE FROM dbo.Dst WHERE Total > 10 AND Code IS NOT NULL AND 1 = 1;");
        var candidates = ConditionTemplates.TurnedAround(t, suspect);
        var after = Applied(text, candidates);
        Assert.Contains(after, a => a.Contains("WHERE Total < 10 AND Code IS NOT NULL AND 1 = 1", StringComparison.Ordinal));
        Assert.Contains(after, a => a.Contains("WHERE Total > 10 AND Code IS NULL AND 1 = 1", StringComparison.Ordinal));
        Assert.Equal(2, candidates.Count);
        Assert.Contains(candidates, c => c.BugClass == HealClasses.NullUnsafeComparison);
    }

    [Fact]
    public void A_constant_join_condition_becomes_the_equality_of_a_column_both_tables_have_the_key_first()
    {
        var (t, catalog, suspect, text) = Parse("UPDATE d SET d.Name = s.Name FROM dbo.Src AS s JOIN dbo.Dst AS d ON 1 = 1;");
        var after = Applied(text, ConditionTemplates.LostCondition(t, catalog, suspect));
        Assert.Equal("JOIN dbo.Dst AS d ON d.[Id] = s.[Id];", after[0][after[0].IndexOf("JOIN", StringComparison.Ordinal)..after[0].IndexOf('\n', after[0].IndexOf("JOIN", StringComparison.Ordinal))]);
        Assert.Contains(after, a => a.Contains("ON d.[Code] = s.[Code];", StringComparison.Ordinal));
    }

    [Fact]
    public void A_constant_condition_of_an_existence_check_becomes_the_match_of_the_row_inserted_or_another_statements_condition()
    {
        var (t, catalog, suspect, text) = Parse(
            "IF NOT EXISTS (SELECT * FROM dbo.Dst WHERE 1 = 1)\n    INSERT INTO dbo.Dst (Id, Code) VALUES (@id, @code);\nUPDATE dbo.Dst SET Total = 0 WHERE Id = @id;",
            "@id int, @code nvarchar(20)");
        var after = Applied(text, ConditionTemplates.LostCondition(t, catalog, suspect));
        Assert.Contains(after, a => a.Contains("SELECT * FROM dbo.Dst WHERE [Id] = @id AND [Code] = @code)", StringComparison.Ordinal));
        Assert.Contains(after, a => a.Contains("SELECT * FROM dbo.Dst WHERE [Id] = @id)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_match_the_existence_check_still_makes_is_not_repeated()
    {
        var (t, catalog, suspect, text) = Parse(
            "IF NOT EXISTS (SELECT * FROM dbo.Dst WHERE 1 = 1 AND [Code] = @code)\n    INSERT INTO dbo.Dst (Id, Code) VALUES (@id, @code);", "@id int, @code nvarchar(20)");
        var after = Assert.Single(Applied(text, ConditionTemplates.LostCondition(t, catalog, suspect)));
        Assert.Contains("SELECT * FROM dbo.Dst WHERE [Id] = @id AND [Code] = @code)", after);

        // conjuncts written one a line are added one a line (later statements keep their lines)
        (t, catalog, suspect, text) = Parse(
            "IF NOT EXISTS (SELECT * FROM dbo.Dst WHERE\n        1 = 1 AND\n        [Code] = @code)\n    INSERT INTO dbo.Dst (Id, Code, Name) VALUES (@id, @code, @name);", "@id int, @code nvarchar(20), @name nvarchar(40)");
        after = Assert.Single(Applied(text, ConditionTemplates.LostCondition(t, catalog, suspect)));
        Assert.Contains("WHERE\n        [Id] = @id AND\n        [Name] = @name AND\n        [Code] = @code)", after);
    }

    [Fact]
    public void A_condition_that_reads_another_table_is_not_taken_over()
    {
        var (t, catalog, suspect, _) = Parse(
            "SELECT * FROM dbo.Dst WHERE 1 = 1;\nDELETE FROM dbo.Dst WHERE Id IN (SELECT s.Id FROM dbo.Src AS s WHERE s.Amount = dbo.Dst.Total);");
        // the DELETE's condition reads dbo.Src too: not a condition on dbo.Dst alone
        Assert.Empty(ConditionTemplates.LostCondition(t, catalog, suspect));
    }

    [Fact]
    public void A_written_column_read_from_another_column_of_a_table_that_has_the_same_named_one_takes_it()
    {
        var (t, catalog, suspect, text) = Parse("INSERT INTO dbo.Dst (Id, Code, Name) SELECT s.Id, s.Name, s.Name FROM dbo.Src AS s;");
        var candidates = ReplacedColumnTemplate.For(t, catalog, suspect);
        var only = Assert.Single(candidates);
        Assert.Equal(HealClasses.WrongKey, only.BugClass);
        Assert.Contains("SELECT s.Id, s.[Code], s.Name FROM", SpanEdits.Apply(text, only.Edits, "p.sql")!);
    }

    [Fact]
    public void A_comparison_of_two_differently_named_columns_tries_the_same_named_one_on_either_side()
    {
        var (t, catalog, suspect, text) = Parse("UPDATE d SET d.Total = 1 FROM dbo.Dst AS d JOIN dbo.Src AS s ON s.Id = d.Total;");
        var after = Applied(text, ReplacedColumnTemplate.For(t, catalog, suspect));
        Assert.Contains(after, a => a.Contains("ON s.Id = d.[Id];", StringComparison.Ordinal));
        Assert.DoesNotContain(after, a => a.Contains("s.[Total]", StringComparison.Ordinal)); // Src has no Total
    }
}
