using EtlAgent.Core.Generation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Tests.Generation;

/// <summary>The JSON document a parameter gets from what the code reads out of it (OPENJSON … WITH, JSON_VALUE, JSON_QUERY).</summary>
public class JsonShapeTests
{
    private static Dictionary<string, JsonShape> Shapes(string body)
    {
        var script = new TSql160Parser(true).Parse(new StringReader(body), out var errors);
        Assert.Empty(errors);
        return JsonShape.Collect(new[] { script }, EtlAgent.Core.Catalog.AliasTypes.None);
    }

    [Fact]
    public void OPENJSON_WITH_at_the_root_gives_an_array_of_one_row_with_each_mapped_member()
    {
        var shapes = Shapes("SELECT * FROM OPENJSON(@Rows) WITH (Code varchar(4) '$.code', Qty int '$.qty', [On] date '$.on', Deep nvarchar(20) '$.a.b', Name nvarchar(50)) AS j;");
        Assert.Equal("""[{"code":"code","qty":1,"on":"2016-01-01","a":{"b":"b"},"Name":"Name"}]""", shapes["@Rows"].Value());
        // numbers exported as text, cut to the declared length
        Assert.Equal("""[{"code":"10.0","qty":1,"on":"2016-01-01","a":{"b":"10.0"},"Name":"10.0"}]""", shapes["@Rows"].Value(numbersAsText: true));
    }

    [Fact]
    public void A_row_path_nests_the_rows_and_JSON_VALUE_adds_members_beside_them()
    {
        var shapes = Shapes("""
            SELECT j.Id FROM OPENJSON(@Doc, '$.batch.items') WITH (Id int '$.id', Extra nvarchar(max) '$.extra' AS JSON) AS j
            WHERE JSON_VALUE(@Doc, '$.batch.name') = 'x' AND JSON_QUERY(@Doc, '$.meta') IS NOT NULL AND JSON_VALUE(@Other, 'strict $."odd key"') = 1;
            """);
        Assert.Equal("""{"batch":{"items":[{"id":1,"extra":{}}],"name":"name"},"meta":{}}""", shapes["@Doc"].Value());
        Assert.Equal("""{"odd key":"odd key"}""", shapes["@Other"].Value());
    }

    [Fact]
    public void OPENJSON_without_WITH_still_gets_a_document_and_other_variables_get_none()
    {
        var shapes = Shapes("SELECT [key], [value] FROM OPENJSON(@List); SELECT JSON_VALUE(t.Doc, '$.a') FROM dbo.T AS t;");
        Assert.Equal("[{}]", shapes["@List"].Value());
        Assert.Single(shapes);
    }

    [Theory]
    [InlineData("$", new string[0])]
    [InlineData("$.a.b", new[] { "a", "b" })]
    [InlineData("lax $.items[0].name", new[] { "items", "name" })]
    [InlineData("strict $.\"first name\"", new[] { "first name" })]
    [InlineData("a.b", null)]
    public void Paths_are_read_as_member_chains(string path, string[]? expected)
    {
        Assert.Equal(expected, JsonShape.ParsePath(path));
    }
}
