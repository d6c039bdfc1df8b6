using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.DuckDb;

namespace EtlAgent.Sandbox.Tests;

/// <summary>
/// SQL Server semantics the sandbox cannot reproduce are refused where the code uses them, naming
/// the construct and its place, never answered differently (the supported cases are conformance
/// cases in tests/fixtures/conformance).
/// </summary>
public sealed class SemanticsRefusalTests
{
    private static async Task<UnsupportedConstructException> Refused(string sql)
    {
        await using var sandbox = (DuckDbSandbox)await Harness.Conformance.CreateAsync();
        return await Assert.ThrowsAsync<UnsupportedConstructException>(() => sandbox.ExecuteSqlAsync(sql, new DateTime(2016, 6, 2), seed: 1));
    }

    [Fact]
    public async Task A_language_other_than_us_english_is_refused_with_its_name()
    {
        var e = await Refused("SET LANGUAGE Français;\nSELECT DATENAME(month, GETDATE());");
        Assert.Contains("SET Language Français", e.Construct);
        Assert.Equal(1, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task A_multi_statement_scalar_function_of_an_aggregate_is_refused_at_the_call()
    {
        var e = await Refused("INSERT INTO Conf.Item (Code) VALUES (N'a');\nSELECT Conf.Label(MAX(i.Code)) FROM Conf.Item AS i;");
        Assert.Contains("multi-statement scalar function Label called with column arguments", e.Construct);
        Assert.Contains("aggregate", e.Detail);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task A_catalog_view_column_the_sandbox_has_no_value_for_is_refused_where_read()
    {
        var e = await Refused("DECLARE @n int = 0;\nSELECT VIEW_DEFINITION FROM INFORMATION_SCHEMA.VIEWS WHERE TABLE_NAME = 'NumberedTargets';");
        Assert.Contains("VIEW_DEFINITION of INFORMATION_SCHEMA.VIEWS", e.Message);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Theory]
    [InlineData("sys.indexes"), InlineData("sys.index_columns"), InlineData("sys.partitions"), InlineData("sys.database_principals"), InlineData("sys.types")]
    public async Task A_catalog_view_over_objects_the_sandbox_does_not_keep_is_refused_with_its_name_and_line(string view)
    {
        var e = await Refused($"DECLARE @n int;\nSELECT @n = COUNT(*) FROM {view};");
        Assert.Contains($"system view {view}", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Theory]
    [InlineData("DECLARE @n int;\nDECLARE @c dbo.NoSuchType = 1;")]
    [InlineData("DECLARE @n int;\nSELECT CAST(1 AS Conf.NoSuchType);")]
    [InlineData("DECLARE @n int;\nCREATE TABLE #t ([c] [dbo].[NoSuchType] NULL);")]
    [InlineData("DECLARE @n int;\nDECLARE @t TABLE ([c] NoSuchType);")]
    public async Task A_type_no_CREATE_TYPE_defines_is_refused_with_its_name_and_line(string sql)
    {
        var e = await Refused(sql);
        Assert.Contains("NoSuchType, which no CREATE TYPE in the workspace defines", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Theory]
    [InlineData("SELECT user_type_id FROM sys.columns WHERE object_id = OBJECT_ID('Conf.Aliased') AND name = 'Code';", "user_type_id of sys.columns")]
    [InlineData("SELECT user_type_id FROM sys.parameters WHERE object_id = OBJECT_ID('Conf.AddAliased') AND name = '@Code';", "user_type_id of sys.parameters")]
    public async Task The_user_type_id_of_an_alias_type_is_refused_where_read(string select, string column)
    {
        var e = await Refused("DECLARE @n int;\n" + select);
        Assert.Contains(column, e.Message);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task BULK_INSERT_is_refused_at_its_line_after_the_statements_before_it_ran()
    {
        var e = await Refused("INSERT INTO Conf.Target ([Key]) VALUES (1);\nBULK INSERT Conf.Target FROM 'C:\\data\\target.csv' WITH (FIRSTROW = 2, FIELDTERMINATOR = ',');");
        Assert.StartsWith("BULK INSERT", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task A_date_format_other_than_mdy_is_refused()
    {
        var e = await Refused("SET DATEFORMAT dmy;");
        Assert.Contains("SET DateFormat dmy", e.Construct);
    }

    [Fact]
    public async Task OBJECT_ID_of_a_value_read_from_rows_is_refused_at_the_call()
    {
        var e = await Refused("SELECT OBJECT_ID(i.[Name]) FROM Conf.Item AS i;");
        Assert.Contains("OBJECT_ID of a value read from rows", e.Construct);
        Assert.Equal(1, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task OBJECT_ID_of_another_database_s_object_is_refused()
    {
        var e = await Refused("DECLARE @n nvarchar(100) = N'OtherDb.dbo.Orders';\nIF OBJECT_ID(@n) IS NULL PRINT 'missing';");
        Assert.Contains("OtherDb.dbo.Orders", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task JSON_QUERY_of_a_part_of_spaced_JSON_text_is_refused_rather_than_respaced()
    {
        var e = await Refused("SELECT JSON_QUERY(N'{ \"a\" : { \"b\" : 1 } }', '$.a');");
        Assert.Contains("JSON_QUERY of a part of JSON text written with spaces", e.Message);
    }

    [Fact]
    public async Task An_xml_method_other_than_value_is_refused_with_its_name()
    {
        var e = await Refused("DECLARE @x xml = N'<a><b>1</b></a>';\nSELECT @x.exist('/a/b');");
        Assert.Contains("xml method exist()", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task Xml_value_of_a_path_that_is_not_a_singleton_is_refused()
    {
        var e = await Refused("DECLARE @x xml = N'<a><b>1</b></a>';\nSELECT @x.value('/a/b', 'int');");
        Assert.Contains("not a singleton", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task Xml_value_of_text_that_is_not_well_formed_is_refused()
    {
        var e = await Refused("DECLARE @x nvarchar(100) = N'<a><b>1</a>';\nSELECT CAST(@x AS xml).value('(/a/b)[1]', 'int');");
        Assert.Contains("xml text that is not well formed", e.Message);
    }

    [Fact]
    public async Task RAISERROR_of_a_NULL_message_is_refused_as_a_NULL_message_at_its_line()
    {
        // what SQL Server raises for a NULL msg_str is not documented (RAISERROR (Transact-SQL) says
        // nothing of it), so it is refused, worded as what it is (it is not a message id)
        var e = await Refused("DECLARE @msg nvarchar(200);\nRAISERROR(@msg, 16, 1);");
        Assert.Contains("RAISERROR whose message is NULL", e.Construct);
        Assert.DoesNotContain("message id", e.Message);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task RAISERROR_with_a_message_id_is_refused_as_such()
    {
        var e = await Refused("DECLARE @n int;\nRAISERROR(50001, 16, 1);");
        Assert.Contains("RAISERROR with a message id", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task A_session_column_the_sandbox_has_no_value_for_is_refused_where_it_is_read()
    {
        var e = await Refused("DECLARE @cpu int;\nSELECT @cpu = cpu_time FROM sys.dm_exec_sessions WHERE session_id = @@SPID;");
        Assert.Contains("column cpu_time of sys.dm_exec_sessions", e.Message);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task Every_column_of_a_session_row_is_read_by_star_so_it_is_refused()
    {
        var e = await Refused("SELECT * FROM sys.dm_exec_sessions WHERE session_id = @@SPID;");
        Assert.Contains("of sys.dm_exec_sessions (the sandbox does not have its value)", e.Message);
    }

    [Fact]
    public async Task Page_counts_of_partition_stats_are_refused()
    {
        var e = await Refused("SELECT SUM(used_page_count) FROM sys.dm_db_partition_stats WHERE object_id = OBJECT_ID('Conf.Item');");
        Assert.Contains("column used_page_count of sys.dm_db_partition_stats", e.Message);
    }

    [Fact]
    public async Task A_system_view_the_sandbox_does_not_answer_is_refused_with_its_name()
    {
        var e = await Refused("SELECT name FROM sys.dm_exec_requests WHERE session_id = @@SPID;");
        Assert.Contains("system view sys.dm_exec_requests", e.Construct);
    }

    [Fact]
    public async Task OPENJSON_value_of_an_object_in_spaced_JSON_text_is_refused_rather_than_respaced()
    {
        var e = await Refused("SELECT [value] FROM OPENJSON(N'{ \"a\" : { \"b\" : 1 } }');");
        Assert.Contains("OPENJSON value of an object, array or fractional number", e.Message);
    }

    [Fact]
    public async Task OPENJSON_with_a_path_read_from_rows_is_refused_at_the_call()
    {
        var e = await Refused("CREATE TABLE #j (body nvarchar(100), p nvarchar(20));\nSELECT x.[value] FROM #j AS t CROSS APPLY OPENJSON(t.body, t.p) AS x;");
        Assert.Contains("OPENJSON with a path that is not a constant", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task FORMAT_with_a_culture_the_sandbox_does_not_implement_is_refused_by_name()
    {
        var e = await Refused("DECLARE @d date = '2020-11-22';\nSELECT FORMAT(@d, 'd', 'fr-FR');");
        Assert.Contains("FORMAT with culture 'fr-FR'", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task A_hierarchyid_method_is_refused_by_name_where_it_is_called()
    {
        var e = await Refused("DECLARE @n nvarchar(20) = N'/1/2/';\nSELECT hierarchyid::Parse(@n).GetLevel();");
        Assert.Contains("hierarchyid method", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Fact]
    public async Task Xml_value_of_a_path_that_leaves_a_nodes_row_is_refused()
    {
        var e = await Refused("DECLARE @x xml = N'<a><b>1</b></a>';\nSELECT X.C.value('(/a/b)[1]', 'int') FROM @x.nodes('/a/b') AS X(C);");
        Assert.Contains("leaves the node of a nodes() row", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }
    [Fact]
    public async Task A_refusal_inside_dynamic_SQL_names_the_statement_that_ran_it_and_the_line_within_the_text()
    {
        var e = await Refused("DECLARE @s nvarchar(max) = N'SELECT 1;' + NCHAR(10) + N'SELECT COUNT(*) FROM sys.indexes;';\nEXEC (@s);");
        Assert.Contains("system view sys.indexes", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
        Assert.NotEqual("(dynamic SQL)", e.Location?.File);
        Assert.Contains("in the dynamic SQL run here, at its line 2", e.Detail);
    }

    [Fact]
    public async Task A_system_view_read_after_the_code_made_a_view_is_refused()
    {
        var e = await Refused("EXEC ('CREATE VIEW Conf.MadeOne AS SELECT 1 AS One');\nSELECT COUNT(*) FROM INFORMATION_SCHEMA.VIEWS;");
        Assert.Contains("system view INFORMATION_SCHEMA.VIEWS after the code made a view", e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }

    [Theory]
    [InlineData("DROP VIEW Conf.NumberedTargets", "DROP VIEW of a view the workspace defines")]
    [InlineData("ALTER VIEW Conf.NumberedTargets AS SELECT 1 AS One", "ALTER VIEW of a view or table the workspace defines")]
    public async Task Replacing_or_dropping_a_view_of_the_workspace_is_refused(string ddl, string construct)
    {
        var e = await Refused($"DECLARE @n int = 0;\nEXEC ('{ddl}');");
        Assert.Contains(construct, e.Construct);
        Assert.Equal(2, e.Location?.Range.Start.Line + 1);
    }
}
