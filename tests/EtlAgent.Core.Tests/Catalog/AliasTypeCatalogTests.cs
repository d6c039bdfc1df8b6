using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Catalog;

/// <summary>
/// Alias types (CREATE TYPE … FROM base_type [NULL | NOT NULL]) defined anywhere in the workspace:
/// every column and parameter of one has the base type, and a column that states no nullability
/// takes the type's (CREATE TABLE, "Nullability rules within a table definition").
/// </summary>
public class AliasTypeCatalogTests
{
    private static WorkspaceAnalysis Analyze(params (string Path, string Text)[] files) => InMemoryWorkspace.Analyze(files);

    // the table's file sorts before the types' files: definitions may come in any order
    private static readonly (string, string)[] Project =
    {
        ("A/Tables/Lookup.sql", """
            CREATE TABLE [dbo].[Lookup] (
                [Kind]   [dbo].[N_C50]  NOT NULL,
                [Number] [dbo].[D_INT]  NULL,
                [Memo]   n_memo,
                [Code]   [Ref].[Code],
                [Amount] Amount,
                CONSTRAINT [PK_Lookup] PRIMARY KEY ([Kind] ASC)
            );
            """),
        ("B/Types/N_C50.sql", "CREATE TYPE [dbo].[N_C50] FROM NVARCHAR (50) NOT NULL;"),
        ("B/Types/D_INT.sql", "CREATE TYPE [dbo].[D_INT] FROM INT NOT NULL;"),
        ("B/Types/N_MEMO.sql", "CREATE TYPE dbo.N_MEMO FROM nvarchar(1000) NOT NULL;"),
        ("B/Types/Code.sql", "CREATE TYPE Ref.Code FROM char(3);"),
        ("B/Types/Amount.sql", "CREATE TYPE Amount FROM decimal(12, 2) NULL;"),
        ("C/Procedures/Next.sql", """
            CREATE PROCEDURE dbo.NextNumber @Kind n_c50, @Amount [dbo].[amount] OUTPUT
            AS
            UPDATE dbo.Lookup SET Number = Number + 1 WHERE Kind = @Kind;
            """),
    };

    [Fact]
    public void Columns_of_alias_types_have_the_base_type_and_the_types_nullability_unless_they_state_one()
    {
        var table = Analyze(Project).Catalog.Find(QualifiedName.Parse("dbo.Lookup"))!;
        var columns = table.Columns.ToDictionary(c => c.Name, c => (c.Type.ToString(), c.Nullable, c.Type.UserType));
        Assert.Equal(("nvarchar(50)", false, (QualifiedName?)null), columns["Kind"]);
        Assert.Equal(("int", true, (QualifiedName?)null), columns["Number"]);    // NULL stated: the column's wins over the type's NOT NULL
        Assert.Equal(("nvarchar(1000)", false, (QualifiedName?)null), columns["Memo"]);  // unqualified, lower case: dbo.N_MEMO, NOT NULL
        Assert.Equal(("char(3)", true, (QualifiedName?)null), columns["Code"]);     // CREATE TYPE without NULL or NOT NULL: NULL
        Assert.Equal(("decimal(12,2)", true, (QualifiedName?)null), columns["Amount"]);
    }

    [Fact]
    public void Parameters_of_alias_types_have_the_base_type()
    {
        var proc = Analyze(Project).Transformations.Single(t => t.Transformation.Name == "dbo.NextNumber").Transformation;
        Assert.Equal(new[] { "nvarchar(50)", "decimal(12,2)" }, proc.Parameters.Select(p => p.Type.ToString()));
    }

    [Fact]
    public void The_catalog_keeps_the_alias_types_by_schema_qualified_name()
    {
        var types = Analyze(Project).Catalog.AliasTypes;
        Assert.Equal(5, types.Count);
        var memo = types.All.Single(t => t.Name == QualifiedName.Parse("dbo.n_memo"));
        Assert.Equal(("nvarchar(1000)", false, "B/Types/N_MEMO.sql"), (memo.Base.ToString(), memo.Nullable, memo.Location?.File));
    }

    [Fact]
    public void A_type_defined_nowhere_stays_named_so_the_sandbox_can_refuse_it_where_it_is_used()
    {
        var table = Analyze(("T.sql", "CREATE TABLE dbo.T ([c] dbo.Missing NOT NULL, [d] Ref.Code);"), ("Code.sql", "CREATE TYPE dbo.Code FROM char(3);"))
            .Catalog.Find(QualifiedName.Parse("dbo.T"))!;
        Assert.Equal(QualifiedName.Parse("dbo.Missing"), table.Columns[0].Type.UserType);
        Assert.Equal(QualifiedName.Parse("Ref.Code"), table.Columns[1].Type.UserType); // another schema's type of that name is not this one
    }
}
