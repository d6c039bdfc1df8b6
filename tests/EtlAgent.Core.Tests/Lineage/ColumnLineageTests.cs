using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Lineage;

/// <summary>Column-level lineage: each case is SQL in, (target ← sources [mapping]) out.</summary>
public class ColumnLineageTests
{
    private const string Schema = """
        CREATE TABLE Staging.Customer ([Customer Code] nvarchar(20) NULL, [Customer Name] nvarchar(100) NULL, [Amount] decimal(18,2) NULL, [Modified] datetime2 NULL);
        CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY(1,1) NOT NULL, [Customer Code] nvarchar(20) NOT NULL, [Customer Name] nvarchar(100) NOT NULL, [Total] decimal(18,2) NULL, [Load Date] datetime2 NULL, [Batch] int NULL);
        CREATE TABLE Fact.Sale ([Customer Key] int NOT NULL, [Amount] decimal(18,2) NULL);
        """;

    private static IReadOnlyList<string> Lineage(string sql, string transformation)
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("code.sql", sql);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);
        var t = analysis.FindTransformation(transformation) ?? throw new Xunit.Sdk.XunitException($"{transformation} not found");
        return t.Transformation.Columns
            .Select(c => $"{c.Target} <- {string.Join(", ", c.Sources)} [{c.Mapping.ToString().ToLowerInvariant()}]")
            .ToList();
    }

    [Fact]
    public void Insert_select_through_cte_and_derived_table()
    {
        var lineage = Lineage("""
            CREATE PROCEDURE Dim.Load AS
            WITH Latest AS (
                SELECT s.[Customer Code] AS Code, UPPER(s.[Customer Name]) AS Name,
                       ROW_NUMBER() OVER (PARTITION BY s.[Customer Code] ORDER BY s.Modified DESC) AS rn
                FROM Staging.Customer AS s)
            INSERT INTO Dim.Customer ([Customer Code], [Customer Name], [Total], [Batch])
            SELECT l.Code, x.Name, 0, @@SPID
            FROM Latest AS l
            JOIN (SELECT Code, Name FROM Latest) AS x ON x.Code = l.Code
            WHERE l.rn = 1;
            """, "Dim.Load");
        Assert.Equal(new[]
        {
            "Dim.Customer.Customer Code <- Staging.Customer.Customer Code [direct]",
            "Dim.Customer.Customer Name <- Staging.Customer.Customer Name [expression]",
            "Dim.Customer.Total <-  [constant]",
            "Dim.Customer.Batch <-  [variable]",
        }, lineage);
    }

    [Fact]
    public void Aggregates_and_scalar_subqueries_in_update()
    {
        var lineage = Lineage("""
            CREATE PROCEDURE Dim.Totals AS
            UPDATE d
            SET d.[Total] = (SELECT SUM(s.Amount) FROM Staging.Customer AS s WHERE s.[Customer Code] = d.[Customer Code]),
                d.[Load Date] = COALESCE(d.[Load Date], SYSDATETIME())
            FROM Dim.Customer AS d;
            """, "Dim.Totals");
        Assert.Equal(new[]
        {
            "Dim.Customer.Total <- Staging.Customer.Amount [aggregate]",
            "Dim.Customer.Load Date <- Dim.Customer.Load Date [expression]",
        }, lineage);
    }

    [Fact]
    public void Merge_records_every_branch()
    {
        var lineage = Lineage("""
            CREATE PROCEDURE Dim.Upsert @Batch int AS
            MERGE Dim.Customer AS t
            USING (SELECT [Customer Code], MAX([Customer Name]) AS [Customer Name] FROM Staging.Customer GROUP BY [Customer Code]) AS s
               ON t.[Customer Code] = s.[Customer Code]
            WHEN MATCHED THEN UPDATE SET t.[Customer Name] = s.[Customer Name], t.[Batch] = @Batch
            WHEN NOT MATCHED BY TARGET THEN INSERT ([Customer Code], [Customer Name]) VALUES (s.[Customer Code], ISNULL(s.[Customer Name], N'?'))
            WHEN NOT MATCHED BY SOURCE THEN DELETE;
            """, "Dim.Upsert");
        Assert.Equal(new[]
        {
            "Dim.Customer.Customer Name <- Staging.Customer.Customer Name [aggregate]",
            "Dim.Customer.Batch <-  [variable]",
            "Dim.Customer.Customer Code <- Staging.Customer.Customer Code [direct]",
            "Dim.Customer.Customer Name <- Staging.Customer.Customer Name [aggregate]",
        }, lineage);
    }

    [Fact]
    public void Temp_tables_carry_lineage_and_star_expands_from_catalog()
    {
        var lineage = Lineage("""
            SELECT * INTO #work FROM Staging.Customer WHERE Amount > 0;
            INSERT Fact.Sale SELECT 0, w.Amount * 2 FROM #work AS w;
            SELECT c.* INTO Archive.Customer FROM Dim.Customer AS c;
            """, "code.sql");
        Assert.Equal(new[]
        {
            "Fact.Sale.Customer Key <-  [constant]",
            "Fact.Sale.Amount <- Staging.Customer.Amount [expression]",
            "Archive.Customer.Customer Key <- Dim.Customer.Customer Key [direct]",
            "Archive.Customer.Customer Code <- Dim.Customer.Customer Code [direct]",
            "Archive.Customer.Customer Name <- Dim.Customer.Customer Name [direct]",
            "Archive.Customer.Total <- Dim.Customer.Total [direct]",
            "Archive.Customer.Load Date <- Dim.Customer.Load Date [direct]",
            "Archive.Customer.Batch <- Dim.Customer.Batch [direct]",
        }, lineage);
    }

    [Fact]
    public void Views_map_their_own_columns()
    {
        var lineage = Lineage("""
            CREATE VIEW Reporting.CustomerSales ([Code], [Sales]) AS
            SELECT c.[Customer Code], SUM(f.Amount)
            FROM Dim.Customer AS c LEFT JOIN Fact.Sale AS f ON f.[Customer Key] = c.[Customer Key]
            GROUP BY c.[Customer Code];
            """, "Reporting.CustomerSales");
        Assert.Equal(new[]
        {
            "Reporting.CustomerSales.Code <- Dim.Customer.Customer Code [direct]",
            "Reporting.CustomerSales.Sales <- Fact.Sale.Amount [aggregate]",
        }, lineage);
    }

    [Fact]
    public void Insert_values_are_constants_and_variables()
    {
        var lineage = Lineage("""
            CREATE PROCEDURE Dim.AddUnknown @Name nvarchar(100) AS
            INSERT INTO Dim.Customer ([Customer Code], [Customer Name], [Load Date]) VALUES (N'?', @Name, GETDATE());
            """, "Dim.AddUnknown");
        Assert.Equal(new[]
        {
            "Dim.Customer.Customer Code <-  [constant]",
            "Dim.Customer.Customer Name <-  [variable]",
            "Dim.Customer.Load Date <-  [expression]",
        }, lineage);
    }

    [Fact]
    public void Warehouse_scd2_load_traces_through_cte_star_and_temp_table()
    {
        var t = WarehouseFixture.Analysis.FindTransformation("Dim.LoadCustomer")!.Transformation;
        var code = t.Columns.Single(c => c.Target == "Dim.Customer.Customer Code");
        Assert.Equal(new[] { "Staging.Customer.Customer Code" }, code.Sources);
        Assert.Equal(MappingKind.Expression, code.Mapping); // CONVERT(nvarchar(20), ...)
        var validFrom = t.Columns.Single(c => c.Target == "Dim.Customer.Valid From");
        Assert.Equal(new[] { "Staging.Customer.Last Modified" }, validFrom.Sources);
        Assert.Equal(MappingKind.Direct, validFrom.Mapping);
        Assert.Equal(MappingKind.Variable, t.Columns.Single(c => c.Target == "Dim.Customer.Lineage Key").Mapping);
    }

    [Fact]
    public void A_CASE_of_strings_is_as_long_as_its_longest_result_as_in_SQL_Server()
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("view.sql", """
            CREATE VIEW Dim.CustomerStatus AS
            SELECT c.[Customer Code],
                   CASE WHEN c.[Total] <= 0 THEN N'Reorder' WHEN c.[Total] > 100 THEN N'Overstocked' ELSE N'OK' END AS [Status],
                   IIF(c.[Batch] IS NULL, 'no', N'yes, loaded') AS [Loaded],
                   COALESCE(c.[Customer Name], c.[Customer Code]) AS [Label]
            FROM Dim.Customer AS c;
            """);
        var analysis = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);
        var view = analysis.Catalog.Find(QualifiedName.Parse("Dim.CustomerStatus"))!;
        Assert.Equal(new SqlType("nvarchar", Length: 11), view.FindColumn("Status")!.Type);
        Assert.Equal(new SqlType("nvarchar", Length: 11), view.FindColumn("Loaded")!.Type);
        Assert.Equal(new SqlType("nvarchar", Length: 100), view.FindColumn("Label")!.Type);
    }

    [Fact]
    public void An_alias_inside_a_cte_does_not_name_the_outer_update_target()
    {
        var sql = """
            CREATE PROCEDURE Dim.Refresh AS
            WITH Changed AS (
                SELECT c.[Customer Code], c.[Customer Name]
                FROM Staging.Customer AS c
                WHERE c.Amount > 0)
            UPDATE c
            SET c.[Customer Name] = ch.[Customer Name]
            FROM Dim.Customer AS c
            JOIN Changed AS ch ON ch.[Customer Code] = c.[Customer Code];
            """;
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("code.sql", sql);
        var t = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files).FindTransformation("Dim.Refresh")!.Transformation;
        Assert.Equal(new[] { "Dim.Customer" }, t.Writes.Select(w => w.ToString()));
        Assert.Equal(new[] { "Dim.Customer", "Staging.Customer" }, t.Reads.Select(r => r.ToString()));
        Assert.Equal(new[] { "Dim.Customer.Customer Name <- Staging.Customer.Customer Name [direct]" }, Lineage(sql, "Dim.Refresh"));
    }

    [Fact]
    public void Nullability_follows_the_statements_before_a_read()
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("code.sql", """
            CREATE PROCEDURE Fact.Load AS
            BEGIN
                INSERT INTO Fact.Sale ([Customer Key], [Amount]) SELECT [Batch], [Total] FROM Dim.Customer;
                UPDATE Dim.Customer SET [Batch] = COALESCE((SELECT MAX(s.Amount) FROM Staging.Customer AS s), 0);
                DELETE FROM Dim.Customer WHERE [Total] IS NULL;
                INSERT INTO Fact.Sale ([Customer Key], [Amount]) SELECT [Batch], [Total] FROM Dim.Customer;
                IF @@ROWCOUNT = 0 INSERT INTO Dim.Customer ([Customer Code], [Customer Name]) VALUES (N'?', N'?');
                INSERT INTO Fact.Sale ([Customer Key], [Amount]) SELECT [Batch], [Total] FROM Dim.Customer;
            END
            """);
        var t = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files).FindTransformation("Fact.Load")!;
        var reads = t.Assignments.Where(a => a.Table.ToString() == "Fact.Sale").Select(a => $"{a.Column}:{a.Origin.Nullable}").ToList();
        Assert.Equal(new[]
        {
            "Customer Key:True", "Amount:True",     // nothing known yet
            "Customer Key:False", "Amount:False",   // every row updated with a value; NULL rows deleted
            "Customer Key:True", "Amount:True",     // the IF may have added a row without them
        }, reads);
    }
}
