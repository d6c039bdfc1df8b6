using EtlAgent.Core.Mutation;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Mutation;

/// <summary>
/// Mutants equivalent by construction are not run and not counted (one test per category), and
/// near misses that some input does tell apart are still generated.
/// </summary>
public class EquivalentMutantsTests
{
    private const string Tables = """
        CREATE TABLE dbo.Thread ([ThreadId] int NOT NULL PRIMARY KEY, [ThreadName] varchar(255) NOT NULL, [StepId] int NOT NULL);
        CREATE TABLE dbo.Step ([StepId] int NOT NULL PRIMARY KEY, [Name] varchar(50) NOT NULL, [Code] bigint NULL);
        """;

    private static MutantSet Mutants(string body)
    {
        var procedure = $"CREATE PROCEDURE dbo.P @name varchar(255), @step int\nAS\nBEGIN\n{body}\nEND\n";
        var files = new MemoryFileSource(new Dictionary<string, string> { ["Tables/Tables.sql"] = Tables, ["Procedures/P.sql"] = procedure });
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default) { RetainSyntax = true, MaxDegreeOfParallelism = 1 }.Analyze(files);
        return MutantGenerator.GenerateSet(analysis.FindTransformation("dbo.P")!, analysis.Catalog);
    }

    private static void AssertEquivalent(MutantSet set, string op, string original, string category)
    {
        Assert.Contains(set.Equivalent, e => e.Mutant.Operator == op && e.Mutant.Original.Contains(original, StringComparison.Ordinal) && e.Category == category);
        Assert.DoesNotContain(set.Candidates, m => m.Operator == op && m.Original.Contains(original, StringComparison.Ordinal));
    }

    private static void AssertCandidate(MutantSet set, string op, string original)
    {
        Assert.Contains(set.Candidates, m => m.Operator == op && m.Original.Contains(original, StringComparison.Ordinal));
        Assert.DoesNotContain(set.Equivalent, e => e.Mutant.Operator == op && e.Mutant.Original.Contains(original, StringComparison.Ordinal));
    }

    [Fact]
    public void DISTINCT_added_to_an_aggregate_query_without_GROUP_BY_is_equivalent()
    {
        var set = Mutants("DECLARE @id int = COALESCE((SELECT MAX(ThreadId) FROM dbo.Thread) + 1, 1);\nINSERT dbo.Thread (ThreadId, ThreadName, StepId) VALUES (@id, @name, @step);");
        Assert.Single(set.Equivalent, e => e.Mutant.Operator == "DISTINCT added" && e.Category == EquivalentMutants.AtMostOneRow);
        Assert.DoesNotContain(set.Candidates, m => m.Operator == "DISTINCT added");
        // the other mutants of that query still run
        AssertCandidate(set, "aggregate MAX → MIN", "MAX");
    }

    private static bool DistinctAdded(MutantSet set, int line, string? category) => category is null
        ? set.Candidates.Any(m => m.Operator == "DISTINCT added" && m.Line == line)
        : set.Equivalent.Any(e => e.Mutant.Operator == "DISTINCT added" && e.Mutant.Line == line && e.Category == category);

    [Fact]
    public void DISTINCT_added_to_a_query_of_one_table_that_selects_its_key_is_equivalent()
    {
        // dbo.Step's rows differ in StepId: the copy has no duplicate for DISTINCT to remove
        var set = Mutants("INSERT INTO dbo.Thread (ThreadId, ThreadName, StepId)\nSELECT s.StepId, UPPER(s.Name) + '-' + @name, s.StepId FROM dbo.Step AS s WHERE s.Code > 0;");
        Assert.True(DistinctAdded(set, 5, EquivalentMutants.KeyedRows));
        Assert.False(DistinctAdded(set, 5, null));
        // columns named without the table's alias
        Assert.True(DistinctAdded(Mutants("SELECT Name, StepId FROM dbo.Step WHERE Code IS NULL;"), 4, EquivalentMutants.KeyedRows));
        // a lookup joined on its whole key adds at most one row to each thread
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadId, COALESCE(s.Name, '') FROM dbo.Thread AS t LEFT JOIN dbo.Step AS s ON s.StepId = t.StepId AND s.Code > 0;"), 4, EquivalentMutants.KeyedRows));
    }

    private const string Numbered = "FROM (\nSELECT *, ROW_NUMBER() OVER (PARTITION BY ThreadName ORDER BY ThreadId DESC) AS rn FROM dbo.Thread\n) AS t";

    [Fact]
    public void DISTINCT_added_to_the_rows_ROW_NUMBER_keeps_one_per_partition_is_equivalent()
    {
        // the latest thread of each name: one row per name, and the names are selected
        var set = Mutants("SELECT t.ThreadName, UPPER(t.ThreadName), t.StepId, t.rn\n" + Numbered + " WHERE t.rn = 1 AND t.StepId > 0;");
        Assert.True(DistinctAdded(set, 4, EquivalentMutants.OnePerPartition));
        Assert.False(DistinctAdded(set, 4, null));
        // nothing of the numbering query itself is called equivalent
        Assert.DoesNotContain(set.Equivalent, e => e.Mutant.Line == 6);
        // a CTE partitioned by two columns exposed under other names, read without qualifiers; 1 = n
        var cte = Mutants("WITH s AS (\nSELECT x.StepId AS Id, x.Name, ROW_NUMBER() OVER (PARTITION BY x.StepId, x.Name ORDER BY x.Code) AS n FROM dbo.Step AS x JOIN dbo.Thread AS t ON t.StepId = x.StepId\n)\nSELECT Id, Name, Code = 1 FROM s WHERE 1 = n;");
        Assert.True(DistinctAdded(cte, 7, EquivalentMutants.OnePerPartition));
    }

    [Fact]
    public void DISTINCT_added_to_numbered_rows_that_may_repeat_is_still_run()
    {
        // the partition column is not selected: two names' latest threads may share a step
        Assert.True(DistinctAdded(Mutants("SELECT t.StepId\n" + Numbered + " WHERE t.rn = 1;"), 4, null));
        // two rows per partition
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadName, t.StepId\n" + Numbered + " WHERE t.rn <= 2;"), 4, null));
        // the first of each partition, or any row of step 0
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadName, t.StepId\n" + Numbered + " WHERE t.rn = 1 OR t.StepId = 0;"), 4, null));
        // a join repeats a numbered row
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadName, s.Name\n" + Numbered + " JOIN dbo.Step AS s ON s.Code > t.StepId WHERE t.rn = 1;"), 4, null));
        // a scalar subquery's type is not known here
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadName, (SELECT TOP (1) s.Name FROM dbo.Step AS s)\n" + Numbered + " WHERE t.rn = 1;"), 4, null));
        // partitioned by an expression, not a column
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadName\nFROM (\nSELECT *, ROW_NUMBER() OVER (PARTITION BY LEFT(ThreadName, 1) ORDER BY ThreadId) AS rn FROM dbo.Thread\n) AS t WHERE t.rn = 1;"), 4, null));
    }

    [Fact]
    public void DISTINCT_added_to_a_query_that_may_repeat_a_row_is_still_run()
    {
        // no key column selected: two steps of one name are two equal rows
        Assert.True(DistinctAdded(Mutants("SELECT s.Name FROM dbo.Step AS s;"), 4, null));
        // a join repeats a step once per thread
        Assert.True(DistinctAdded(Mutants("SELECT s.StepId FROM dbo.Step AS s JOIN dbo.Thread AS t ON t.StepId = s.StepId;"), 4, null));
        // a join on a key compared with a value of another type (a conversion can make two keys equal one value)
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadId FROM dbo.Thread AS t JOIN dbo.Step AS s ON s.StepId = t.ThreadName;"), 4, null));
        // a join on part of a condition that is not the key's equality
        Assert.True(DistinctAdded(Mutants("SELECT t.ThreadId FROM dbo.Thread AS t JOIN dbo.Step AS s ON s.StepId = t.StepId OR s.Code = 1;"), 4, null));
        // ORDER BY a column not selected: with DISTINCT that is error 145
        Assert.True(DistinctAdded(Mutants("SELECT s.StepId FROM dbo.Step AS s ORDER BY s.Name;"), 4, null));
        // a scalar subquery's type is not known here (xml is not comparable)
        Assert.True(DistinctAdded(Mutants("SELECT s.StepId, (SELECT TOP (1) t.ThreadName FROM dbo.Thread AS t) FROM dbo.Step AS s;"), 4, null));
        // SELECT … INTO takes its columns and IDENTITY from the query
        Assert.True(DistinctAdded(Mutants("SELECT s.StepId, s.Name INTO #s FROM dbo.Step AS s;"), 4, null));
    }

    [Fact]
    public void DISTINCT_added_to_an_aggregate_query_with_GROUP_BY_on_a_column_not_selected_is_still_run()
    {
        // two names with the same highest step: two equal rows, one with DISTINCT
        var set = Mutants("SELECT MAX(t.StepId) FROM dbo.Thread AS t GROUP BY t.ThreadName;");
        Assert.Contains(set.Candidates, m => m.Operator == "DISTINCT added");
        Assert.DoesNotContain(set.Equivalent, e => e.Mutant.Operator == "DISTINCT added");
    }

    [Fact]
    public void Changes_to_what_an_EXISTS_subquery_selects_are_equivalent_but_not_to_which_rows_it_finds()
    {
        var set = Mutants("IF NOT EXISTS (SELECT 1 FROM dbo.Thread AS t WHERE t.ThreadName = @name)\n    INSERT dbo.Thread (ThreadId, ThreadName, StepId) VALUES (1, @name, @step);");
        AssertEquivalent(set, "DISTINCT added", "SELECT", EquivalentMutants.ExistenceTest);
        Assert.Contains(set.Equivalent, e => e.Mutant.Operator.StartsWith("constant", StringComparison.Ordinal) && e.Mutant.Line == 4 && e.Category == EquivalentMutants.ExistenceTest);
        AssertCandidate(set, "relational operator = → <>", "=");
        AssertCandidate(set, "NOT removed", "NOT EXISTS");
        // the VALUES (1, …) constant is no part of the EXISTS subquery
        Assert.Contains(set.Candidates, m => m.Operator.StartsWith("constant", StringComparison.Ordinal) && m.Line == 5);
    }

    [Fact]
    public void A_TOP_made_zero_under_EXISTS_is_still_run()
    {
        var set = Mutants("IF EXISTS (SELECT TOP (1) t.ThreadId FROM dbo.Thread AS t ORDER BY t.ThreadId DESC) RETURN;");
        Assert.Contains(set.Equivalent, e => e.Mutant.Operator == "constant + 1" && e.Mutant.Mutated == "2");
        Assert.Contains(set.Candidates, m => m.Operator == "constant - 1" && m.Mutated == "0");
        AssertEquivalent(set, "ORDER BY DESC → ASC", "DESC", EquivalentMutants.ExistenceTest);
    }

    [Fact]
    public void DISTINCT_removed_under_EXISTS_with_OFFSET_is_still_run()
    {
        // OFFSET 1 ROWS of two equal rows keeps one; of the one DISTINCT leaves, none
        var set = Mutants("IF EXISTS (SELECT DISTINCT t.StepId FROM dbo.Thread AS t ORDER BY t.StepId OFFSET 1 ROWS) RETURN;");
        Assert.Contains(set.Candidates, m => m.Operator == "DISTINCT removed");
    }

    [Fact]
    public void DISTINCT_on_a_branch_of_UNION_with_the_same_types_is_equivalent_but_not_of_UNION_ALL()
    {
        var union = Mutants("SELECT t.StepId FROM dbo.Thread AS t UNION SELECT s.StepId FROM dbo.Step AS s;");
        Assert.Equal(2, union.Equivalent.Count(e => e.Mutant.Operator == "DISTINCT added" && e.Category == EquivalentMutants.SetOperatorBranch));
        var all = Mutants("SELECT t.StepId FROM dbo.Thread AS t UNION ALL SELECT x.StepId FROM dbo.Thread AS x;");
        Assert.Equal(2, all.Candidates.Count(m => m.Operator == "DISTINCT added"));
    }

    [Fact]
    public void DISTINCT_on_a_branch_of_UNION_whose_values_are_converted_is_still_run()
    {
        // int and bigint: the int branch's values are converted, so no claim is made
        var set = Mutants("SELECT t.StepId FROM dbo.Thread AS t UNION SELECT s.Code FROM dbo.Step AS s;");
        Assert.Equal(2, set.Candidates.Count(m => m.Operator == "DISTINCT added"));
    }

    [Fact]
    public void DISTINCT_on_an_IN_subquery_of_the_same_type_is_equivalent_but_not_across_types()
    {
        var same = Mutants("DELETE t FROM dbo.Thread AS t WHERE t.StepId IN (SELECT x.StepId FROM dbo.Thread AS x WHERE x.ThreadName = @name);\n"
            + "SELECT t.ThreadName FROM dbo.Thread AS t WHERE t.StepId NOT IN (SELECT s.StepId FROM dbo.Step AS s);");
        // the DELETE's IN has no enclosing query to type t.ThreadId: no claim
        Assert.Contains(same.Candidates, m => m.Operator == "DISTINCT added" && m.Line == 4);
        Assert.Contains(same.Equivalent, e => e.Mutant.Operator == "DISTINCT added" && e.Mutant.Line == 5 && e.Category == EquivalentMutants.InSubquery);
        var other = Mutants("SELECT t.ThreadName FROM dbo.Thread AS t WHERE t.StepId IN (SELECT s.Code FROM dbo.Step AS s);");
        Assert.DoesNotContain(other.Equivalent, e => e.Mutant.Operator == "DISTINCT added");
    }
}
