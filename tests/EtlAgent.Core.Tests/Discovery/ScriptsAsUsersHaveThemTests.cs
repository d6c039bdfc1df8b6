using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Syntax;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Tests.Discovery;

/// <summary>
/// Scripts the way projects keep them: sqlcmd-mode deployment scripts, a broken batch among good
/// ones, external tables, and objects made outside the repository declared in etl-agent.json.
/// </summary>
public class ScriptsAsUsersHaveThemTests
{
    private const string Schema = """
        CREATE TABLE Staging.Product (ProductCode varchar(20) NOT NULL, Name nvarchar(100) NULL);
        CREATE TABLE Dim.Product (ProductCode varchar(20) NOT NULL, Name nvarchar(100) NULL);
        """;

    private static WorkspaceAnalysis Analyze(string code, string? manifest = null)
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema).Add("code.sql", code);
        if (manifest is not null) files.Add(WorkspaceSettings.ManifestFile, manifest);
        return new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files);
    }

    private static List<string> Findings(WorkspaceAnalysis analysis, string rule) =>
        analysis.Findings.Where(f => f.RuleId == rule && f.Location.File == "code.sql")
            .Select(f => $"{f.Location.Range.Start.Line + 1}:{f.Location.Range.Start.Character + 1}").ToList();

    [Fact]
    public void Sqlcmd_lines_and_variables_parse_and_positions_stay_on_the_original_text()
    {
        const string text = ":setvar Target Dim\r\n:on error exit\r\n:r .\\other.sql\r\nCREATE PROCEDURE $(Target).Load AS\r\n    INSERT INTO $(Target).Product (ProductCode) SELECT s.ProductCode FROM [$(Db)].Staging.Product AS s WHERE s.Name = N'$(Who)';";
        var doc = new SqlParser().Parse("code.sql", text);

        Assert.Empty(doc.Errors);
        var proc = Assert.IsAssignableFrom<ProcedureStatementBody>(doc.Script!.Batches.Single().Statements.Single());
        Assert.Equal("Dim", proc.ProcedureReference.Name.SchemaIdentifier.Value);
        Assert.Equal("$(Target).Load", doc.TextOf(proc.ProcedureReference.Name));
        Assert.Equal(text.IndexOf("CREATE", StringComparison.Ordinal), proc.StartOffset);
        Assert.Equal(text.Length, proc.StartOffset + proc.FragmentLength);
        var where = doc.Script.Batches[0].Statements[0].ScriptTokenStream.Last(t => t.TokenType == TSqlTokenType.UnicodeStringLiteral);
        Assert.Equal("N'$(Who)'", where.Text); // no value: left as written inside the string
        Assert.Equal(5, where.Line);
    }

    [Fact]
    public void A_variable_without_a_value_is_opaque_and_one_with_a_value_is_checked_where_it_was_written()
    {
        const string code = "CREATE PROCEDURE Etl.Load AS\n    UPDATE $(TargetSchema).Product SET Name = N'x' WHERE ProductCode = 'a';";
        Assert.Empty(Findings(Analyze(code), "ETL0015"));
        Assert.Empty(Findings(Analyze(code, """{ "sqlcmdVariables": { "TargetSchema": "Dim" } }"""), "ETL0015"));
        Assert.Equal(new[] { "2:12" }, Findings(Analyze(code, """{ "sqlcmdVariables": { "TargetSchema": "Dimm" } }"""), "ETL0015"));
    }

    [Fact]
    public void Findings_and_fixes_after_a_substituted_variable_point_at_the_text_as_written()
    {
        const string code = "CREATE PROCEDURE Etl.Load AS\n    INSERT INTO $(TargetSchema).Product (ProductCode, Nmae) SELECT s.ProductCode, s.Name FROM [$(Src)].Staging.Product AS s;";
        var analysis = Analyze(code, """{ "sqlcmdVariables": { "TargetSchema": "Dim", "Src": "A_much_longer_database_name" } }""");

        var finding = Assert.Single(analysis.Findings, f => f.RuleId == "ETL0015" && f.Location.File == "code.sql");
        Assert.Equal(code.IndexOf("Nmae", StringComparison.Ordinal), finding.Location.Range.StartOffset);
        var edit = Assert.Single(finding.Fixes[0].Edits);
        Assert.Equal("Nmae", code[edit.Range.StartOffset..edit.Range.EndOffset]);
    }

    [Fact]
    public void A_script_variable_set_in_the_file_wins_over_the_manifest()
    {
        const string code = ":setvar TargetSchema Dim\nCREATE PROCEDURE Etl.Load AS\n    UPDATE $(TargetSchema).Product SET Name = N'x' WHERE ProductCode = 'a';";
        Assert.Empty(Findings(Analyze(code, """{ "sqlcmdVariables": { "TargetSchema": "Nowhere" } }"""), "ETL0015"));
    }

    [Fact]
    public void A_syntax_error_drops_only_its_batch()
    {
        const string code = """
            CREATE PROCEDURE Etl.Before AS INSERT INTO Dim.Product (ProductCode) SELECT ProductCode FROM Staging.Product;
            GO
            CREATE PROCEDURE Etl.Broken AS SELECT (1 + FROM Staging.Product;
            GO
            CREATE PROCEDURE Etl.After AS INSERT INTO Dim.Product (ProductCode) SELECT ProductCod FROM Staging.Product;
            GO 2
            """;
        var analysis = Analyze(code);

        Assert.Equal(new[] { "Etl.After", "Etl.Before" }, analysis.Transformations.Select(t => t.Transformation.Name).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "3:44" }, Findings(analysis, "ETL0000"));
        Assert.Equal(new[] { "5:76" }, Findings(analysis, "ETL0015")); // the batch after the error is checked, at its own position
    }

    [Fact]
    public void A_file_that_is_one_batch_keeps_the_previous_behaviour()
    {
        var doc = new SqlParser().Parse("code.sql", "SELECT (1 + FROM dbo.T;");
        Assert.Single(doc.Errors);
    }

    [Fact]
    public void External_tables_are_catalog_tables_and_data_sources_are_not_scripts()
    {
        const string code = """
            CREATE EXTERNAL DATA SOURCE Lake WITH (LOCATION = 'abfss://raw@lake.dfs.core.windows.net');
            GO
            CREATE EXTERNAL TABLE Ext.Sale (SaleId int NOT NULL, Amount decimal(9, 2) NULL, Note nvarchar(50))
            WITH (LOCATION = '/sales/', DATA_SOURCE = Lake, FILE_FORMAT = Parquet);
            GO
            CREATE PROCEDURE Etl.LoadSale AS SELECT s.SaleId, s.Amount, s.Amout FROM Ext.Sale AS s;
            """;
        var analysis = Analyze(code);

        var sale = analysis.Catalog.Find(new QualifiedName("Ext", "Sale"));
        Assert.NotNull(sale);
        Assert.Equal(TableKind.Table, sale!.Kind);
        Assert.Equal(new[] { "SaleId:False", "Amount:True", "Note:True" }, sale.Columns.Select(c => $"{c.Name}:{c.Nullable}"));
        Assert.Equal("decimal", sale.FindColumn("Amount")!.Type.Name);
        Assert.DoesNotContain(analysis.Transformations, t => t.Transformation.Kind == TransformationKind.Script);
        Assert.Equal(new[] { "6:61" }, Findings(analysis, "ETL0015")); // only the misspelt column
        Assert.Empty(Findings(analysis, "ETL0000"));
    }

    [Fact]
    public void External_objects_by_name_or_glob_are_known_and_declared_columns_make_a_catalog_table()
    {
        const string code = """
            CREATE PROCEDURE Etl.LoadFromAdf AS
            BEGIN
                INSERT INTO Dim.Product (ProductCode, Name) SELECT c.Code, c.Label FROM stg.AdfProduct AS c;
                INSERT INTO Dim.Product (ProductCode, Name) SELECT c.Code, c.Lable FROM ext.Catalog AS c;
                SELECT x.Anything FROM ext.CatalogHistory AS x;
                SELECT y.Id FROM other.Missing AS y;
            END
            """;
        const string manifest = """
            {
              "externalObjects": [
                "stg.*",
                "ext.Catalog?*",
                { "name": "ext.Catalog", "columns": { "Code": "varchar(20) NOT NULL", "Label": "nvarchar(100)" } }
              ]
            }
            """;
        var analysis = Analyze(code, manifest);

        var declared = analysis.Catalog.Find(new QualifiedName("ext", "Catalog"));
        Assert.NotNull(declared);
        Assert.Equal(new[] { "Code:varchar:False", "Label:nvarchar:True" }, declared!.Columns.Select(c => $"{c.Name}:{c.Type.Name}:{c.Nullable}"));
        Assert.Null(analysis.Catalog.Declared.Find(new QualifiedName("stg", "AdfProduct"))); // known by name, shape unknown
        // … so the sandbox stands in for it with the columns the code reads
        Assert.Equal(new[] { "Code", "Label" }, analysis.Catalog.Find(new QualifiedName("stg", "AdfProduct"))!.Columns.Select(c => c.Name));
        Assert.Equal(new[] { "4:64", "6:22" }, Findings(analysis, "ETL0015").Order(StringComparer.Ordinal));

        var without = Analyze(code);
        Assert.Equal(4, Findings(without, "ETL0015").Count);
    }

    [Theory]
    [InlineData("""{ "externalObjects": "stg.*" }""", "externalObjects must be a list")]
    [InlineData("""{ "externalObjects": [ 3 ] }""", "externalObjects[0] must be a name")]
    [InlineData("""{ "externalObjects": [ { "columns": { "a": "int" } } ] }""", "externalObjects[0] needs a name")]
    [InlineData("""{ "externalObjects": [ { "name": "stg.*", "columns": { "a": "int" } } ] }""", "not for the glob")]
    [InlineData("""{ "externalObjects": [ { "name": "x.y", "columns": { "a": 1 } } ] }""", "columns.a must be a type")]
    public void Malformed_external_objects_are_configuration_errors_naming_the_entry(string manifest, string expected)
    {
        var files = new MemoryFileSource().Add(WorkspaceSettings.ManifestFile, manifest);
        var e = Assert.Throws<ConfigurationException>(() => WorkspaceSettings.Load(files));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Declared_columns_that_are_not_a_type_name_the_object()
    {
        var files = new MemoryFileSource().Add("schema.sql", Schema)
            .Add(WorkspaceSettings.ManifestFile, """{ "externalObjects": [ { "name": "ext.Bad", "columns": { "a": "int NOT NOT" } } ] }""");
        var e = Assert.Throws<ConfigurationException>(() => new WorkspaceAnalyzer(WorkspaceSettings.Load(files)).Analyze(files));
        Assert.Contains("ext.Bad", e.Message);
    }
}
