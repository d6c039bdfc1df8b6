using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Catalog;

/// <summary>
/// Tables the code uses that nothing defines become stand-ins shaped by that use (columns from
/// INSERT lists, aliases, names and unqualified references; types from what they meet), three-part
/// names resolve to the workspace's own object or another database's, and declared objects win.
/// </summary>
public class StandInInferenceTests
{
    private const string Schema = """
        CREATE TABLE dbo.Customer (CustomerId int NOT NULL PRIMARY KEY, Name nvarchar(100) NOT NULL, Since date NULL);
        """;

    private static WorkspaceAnalysis Analyze(string code, string? manifest = null)
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("code.sql", code);
        if (manifest is not null) files.Add(WorkspaceSettings.ManifestFile, manifest);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
    }

    private static TableDef StandIn(WorkspaceAnalysis analysis, string name)
    {
        var table = analysis.Catalog.Find(QualifiedName.Parse(name));
        Assert.NotNull(table);
        Assert.NotNull(table!.StandIn);
        return table;
    }

    private static string Shape(TableDef t) => string.Join(", ", t.Columns.Select(c => $"{c.Name} {c.Type}{(c.Nullable ? "" : " NOT NULL")}"));

    [Fact]
    public void An_insert_column_list_gives_columns_typed_by_parameters_variables_and_literals()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Load @Batch bigint
            AS
            BEGIN
                DECLARE @At datetime2(3) = SYSDATETIME();
                INSERT INTO dbo.RunLog (BatchId, StartedAt, Step, RowsDone, Note) VALUES (@Batch, @At, 'start', 0, LEFT(N'x', 1));
            END
            """);
        var log = StandIn(analysis, "dbo.RunLog");
        Assert.Equal("BatchId bigint, StartedAt datetime2(3), Step nvarchar(4000), RowsDone int, Note nvarchar(4000)", Shape(log));
        var origin = log.StandIn!;
        Assert.Equal("code.sql", origin.FirstUse.File);
        Assert.Equal(4, origin.FirstUse.Range.Start.Line); // zero-based: the INSERT's line 5
        Assert.Contains("@Batch (bigint) at code.sql:5", origin.Columns.Single(c => c.Name == "BatchId").TypeFrom);
        Assert.Null(origin.Columns.Single(c => c.Name == "Note").TypeFrom); // a function result: no typed use
    }

    [Fact]
    public void Columns_read_through_an_alias_or_unqualified_take_the_type_of_what_they_meet()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Copy @Since date
            AS
            BEGIN
                INSERT INTO dbo.Customer (CustomerId, Name, Since)
                SELECT s.Id, s.FullName, s.Joined
                FROM Crm.dbo.Contact AS s
                JOIN dbo.Customer AS c ON c.CustomerId = s.ParentId
                WHERE s.Joined >= @Since AND s.Active = 1;
                UPDATE Crm.dbo.Flag SET Done = 1 WHERE Code = N'x';
            END
            """);
        var contact = StandIn(analysis, "Crm.dbo.Contact");
        Assert.Equal("Crm", contact.Name.Database);
        Assert.Equal("Id int, FullName nvarchar(100), Joined date, ParentId int, Active int", Shape(contact));
        // the same name in the workspace's own database is not the other database's table
        Assert.Null(analysis.Catalog.Find(new QualifiedName("dbo", "Contact")));
        var flag = StandIn(analysis, "Crm.dbo.Flag");
        Assert.Equal("Done int, Code nvarchar(4000)", Shape(flag)); // unqualified: the only source
        Assert.All(contact.Columns, c => Assert.True(c.Nullable));
    }

    [Fact]
    public void An_unqualified_column_over_several_undefined_sources_goes_to_the_one_seen_with_it_else_the_first()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Combine
            AS
            BEGIN
                SELECT b.Label FROM src.B AS b;
                SELECT Id, Label, Extra, Kind FROM src.A AS a JOIN src.B AS b ON a.BId = b.Id2 AND b.Kind = 1 JOIN dbo.Customer AS c ON c.CustomerId = a.Id;
            END
            """);
        // Kind is named unqualified before b.Kind: it still goes to src.B, the table the code shows it in
        Assert.Equal("BId nvarchar(4000), Id int, Extra nvarchar(4000)", Shape(StandIn(analysis, "src.A")));
        Assert.Equal("Label nvarchar(4000), Id2 nvarchar(4000), Kind int", Shape(StandIn(analysis, "src.B")));
    }

    [Fact]
    public void An_insert_without_a_column_list_takes_the_selected_names_and_types()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Snap
            AS
            INSERT INTO arc.CustomerCopy SELECT c.CustomerId, c.Name AS FullName, GETDATE() AS TakenAt FROM dbo.Customer AS c;
            """);
        Assert.Equal("CustomerId int, FullName nvarchar(100), TakenAt datetime", Shape(StandIn(analysis, "arc.CustomerCopy")));
    }

    [Fact]
    public void Columns_every_branch_of_a_union_copies_into_a_typed_table_take_its_column_types()
    {
        // two feeds nothing defines loaded by one INSERT … SELECT … UNION SELECT …: the second branch's columns land in
        // the same typed columns as the first's (a text stand-in would fail the UNION's conversion to int); an
        // unqualified column of a join of two undefined tables is typed for the one the code shows it on
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.LoadCustomers
            AS
            BEGIN
                INSERT INTO dbo.Customer (CustomerId, Name, Since)
                SELECT [Id], p.[FullName], [JoinedOn] FROM feed.Person AS p LEFT JOIN feed.Status AS s ON s.[StatusId] = p.[StatusId]
                UNION
                SELECT v.[PersonId], v.[Name], NULL FROM feed.Visit AS v WHERE NOT EXISTS (SELECT 1 FROM feed.Person AS x WHERE x.[Id] = v.[PersonId] AND x.[JoinedOn] IS NOT NULL);
            END
            """);
        Assert.Equal("FullName nvarchar(100), StatusId nvarchar(4000), Id int, JoinedOn date", Shape(StandIn(analysis, "feed.Person")));
        Assert.Equal("StatusId nvarchar(4000)", Shape(StandIn(analysis, "feed.Status")));
        Assert.Equal("PersonId int, Name nvarchar(100)", Shape(StandIn(analysis, "feed.Visit")));
        Assert.Equal("inserted into dbo.Customer.CustomerId (int) at code.sql:7", StandIn(analysis, "feed.Visit").StandIn!.Columns.Single(c => c.Name == "PersonId").TypeFrom);
        Assert.Equal("inserted into dbo.Customer.Since (date) at code.sql:5", StandIn(analysis, "feed.Person").StandIn!.Columns.Single(c => c.Name == "JoinedOn").TypeFrom);
    }

    [Fact]
    public void Columns_copied_into_a_typed_work_table_take_its_column_types()
    {
        // staging a feed nothing defines: positional INSERT … SELECT into a #temp table, through simple
        // wrappers, an INSERT with a column list into a table variable, a comparison with a work table's column
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Stage
            AS
            BEGIN
                CREATE TABLE #w ([Key] nvarchar(36), [Seq] int IDENTITY(1, 1), [Docs] int, [Started] date, [Changed] datetime2(7), [Version] bigint, [Note] nvarchar(200), [Code] int, [Hash] varbinary(8000) NOT NULL);
                INSERT INTO #w
                SELECT [src_key], ISNULL([src_docs], 0), CONVERT(date, [src_started]), [src_changed], CAST([src_version] AS bigint), LEFT([src_note], 200), [src_code],
                    HASHBYTES('MD5', ISNULL([src_key], '') + ISNULL([src_code], '') + ISNULL(CAST([src_docs] AS nvarchar(20)), ''))
                FROM feed.Entity;
                DECLARE @v TABLE (Id int, Amount decimal(12, 2));
                INSERT INTO @v (Amount, Id) SELECT e.[src_amount], RTRIM(e.[src_id]) FROM feed.Entity AS e;
                SELECT w.[Key] FROM #w AS w JOIN feed.Other AS o ON o.[w_docs] = w.[Docs];
            END
            """);
        var entity = StandIn(analysis, "feed.Entity");
        // the text a LEFT cuts to the work table's length may be longer, and the hash treats [src_code] as text: no typed use
        Assert.Equal("src_key nvarchar(36), src_docs int, src_started date, src_changed datetime2(7), src_version bigint, src_note nvarchar(4000), src_code nvarchar(4000), "
            + "src_amount decimal(12,2), src_id int", Shape(entity));
        Assert.Equal("inserted into #w.Docs (int) at code.sql:6", entity.StandIn!.Columns.Single(c => c.Name == "src_docs").TypeFrom);
        Assert.Equal("w_docs int", Shape(StandIn(analysis, "feed.Other")));
    }

    [Fact]
    public void A_three_part_name_of_the_workspace_s_own_object_is_that_object_and_gets_no_stand_in()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Touch
            AS
            UPDATE Warehouse.dbo.Customer SET Name = N'x' WHERE CustomerId = 1;
            """);
        Assert.Empty(analysis.Catalog.StandIns);
        Assert.Equal(new QualifiedName("dbo", "Customer"), analysis.Catalog.Find(QualifiedName.Parse("Warehouse.dbo.Customer"))!.Name);
        var t = analysis.FindTransformation("dbo.Touch")!;
        Assert.Equal(new[] { new QualifiedName("dbo", "Customer") }, t.Transformation.Writes);
    }

    [Fact]
    public void Declared_external_objects_win_and_accept_three_part_names()
    {
        var code = """
            CREATE PROCEDURE dbo.Copy
            AS
            INSERT INTO dbo.Customer (CustomerId, Name) SELECT s.Id, s.FullName FROM Crm.dbo.Contact AS s;
            """;
        var analysis = Analyze(code, """
            { "externalObjects": [ { "name": "Crm.dbo.Contact", "columns": { "Id": "int NOT NULL", "FullName": "nvarchar(50) NOT NULL", "Extra": "bit" } } ] }
            """);
        var contact = analysis.Catalog.Find(QualifiedName.Parse("Crm.dbo.Contact"))!;
        Assert.Null(contact.StandIn);
        Assert.Equal("Id int NOT NULL, FullName nvarchar(50) NOT NULL, Extra bit", Shape(contact));
        Assert.Empty(analysis.Catalog.StandIns);
        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0150");
    }

    [Fact]
    public void Temp_tables_ctes_table_variables_created_tables_and_system_objects_get_no_stand_in()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Quiet
            AS
            BEGIN
                DECLARE @t TABLE (a int);
                CREATE TABLE #w (a int);
                CREATE TABLE dbo.MadeHere (a int);
                WITH Recent AS (SELECT CustomerId FROM dbo.Customer) SELECT r.CustomerId FROM Recent AS r;
                SELECT a INTO dbo.Snapshot FROM #w;
                SELECT name FROM sys.objects;
                SELECT a FROM @t; SELECT a FROM #w; SELECT a FROM tempdb..#w; SELECT a FROM dbo.MadeHere; SELECT a FROM dbo.Snapshot;
            END
            """);
        Assert.Empty(analysis.Catalog.StandIns);
    }

    [Fact]
    public void The_finding_names_the_stand_in_and_gives_a_ready_to_paste_declaration()
    {
        var analysis = Analyze("""
            CREATE PROCEDURE dbo.Load @Batch int
            AS
            INSERT INTO dbo.RunLog (BatchId) VALUES (@Batch);
            """);
        var finding = Assert.Single(analysis.Findings, f => f.RuleId == "ETL0150");
        Assert.Equal(Severity.Information, finding.Severity);
        Assert.Equal("code.sql", finding.Location.File);
        Assert.Equal(2, finding.Location.Range.Start.Line);
        Assert.Contains("""{ "name": "dbo.RunLog", "columns": { "BatchId": "int NULL" } }""", finding.Message);
        // the rule that reports undefined objects still does: a stand-in is an assumption, not a definition
        Assert.Contains(analysis.Findings, f => f.RuleId == "ETL0015");
    }

    [Fact]
    public void A_streaming_analysis_finds_the_same_stand_ins_and_findings_as_a_retained_one()
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema)
            .Add("a.sql", "CREATE PROCEDURE dbo.A @Batch int AS INSERT INTO dbo.RunLog (BatchId) VALUES (@Batch);")
            .Add("b.sql", "CREATE PROCEDURE dbo.B AS INSERT INTO dbo.RunLog (BatchId, Step) SELECT c.CustomerId, c.Name FROM dbo.Customer AS c;");
        string Shapes(WorkspaceAnalysis a) => string.Join(" | ", a.Catalog.StandIns.Select(t => $"{t.Name}: {Shape(t)} @ {t.StandIn!.FirstUse}"));
        string Found(WorkspaceAnalysis a) => string.Join(" | ", a.Findings.Where(f => f.RuleId == "ETL0150").Select(f => $"{f.Location} {f.Message}"));

        var retained = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = true }.Analyze(files);
        var streamed = new WorkspaceAnalyzer(WorkspaceSettings.Load(files)) { RetainSyntax = false }.Analyze(files);

        Assert.Equal("dbo.RunLog: BatchId int, Step nvarchar(100) @ a.sql:1:50", Shapes(retained));
        Assert.Equal(Shapes(retained), Shapes(streamed));
        Assert.NotEmpty(Found(retained));
        Assert.Equal(Found(retained), Found(streamed));
    }

    [Theory]
    [InlineData("Db.dbo.T", "Db", "dbo", "T")]
    [InlineData("[Db].[S].[T]", "Db", "S", "T")]
    [InlineData("Db..T", "Db", "dbo", "T")]
    [InlineData("tempdb..#t", null, "dbo", "#t")]
    [InlineData("S.T", null, "S", "T")]
    public void Names_parse_with_their_database(string text, string? database, string schema, string name)
    {
        var q = QualifiedName.Parse(text);
        Assert.Equal(database, q.Database);
        Assert.Equal(schema, q.Schema);
        Assert.Equal(name, q.Name);
        Assert.Equal(database is null, q == new QualifiedName(schema, name)); // another database's object is another object
    }
}
