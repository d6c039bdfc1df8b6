using EtlAgent.Core.Model;

namespace EtlAgent.Core.Tests.Catalog;

public class WarehouseCatalogTests
{
    private static TableDef Table(string name) =>
        WarehouseFixture.Analysis.Catalog.Find(QualifiedName.Parse(name)) ?? throw new Xunit.Sdk.XunitException($"{name} not in catalog");

    [Fact]
    public void Sequence_default_identity_keys_checks_and_nullability()
    {
        var customer = Table("Dim.Customer");
        var key = customer.FindColumn("customer key")!; // case-insensitive like the default collation
        Assert.Equal("Customer Key", key.Name);
        Assert.Equal(new QualifiedName("Sequences", "CustomerKey"), key.Sequence);
        Assert.False(key.Nullable);
        Assert.Equal(new SqlType("nvarchar", Length: 20), customer.FindColumn("Customer Code")!.Type);
        Assert.Equal(new SqlType("datetime2", Scale: 7), customer.FindColumn("Valid To")!.Type);
        Assert.Equal("('9999-12-31 23:59:59.9999999')", customer.FindColumn("Valid To")!.Default);
        Assert.Equal(new[] { "Customer Key" }, customer.PrimaryKey!.Columns);
        Assert.Equal(new[] { "Customer Code", "Valid From" }, customer.UniqueKeys.Single().Columns);
        Assert.Contains(customer.Checks, c => c.Expression == "[Valid From] < [Valid To]");
        // The file has a BOM and CRLF: locations are still exact.
        Assert.Equal(2, customer.Location!.Range.Start.Line);
    }

    [Fact]
    public void Sequences_are_read_with_type_and_start()
    {
        var seq = WarehouseFixture.Analysis.Catalog.FindSequence(QualifiedName.Parse("[Sequences].[CustomerKey]"))!;
        Assert.Equal("int", seq.Type.Name);
        Assert.Equal(1, seq.Start);
        Assert.Equal(1, seq.Increment);
    }

    [Fact]
    public void Memory_optimized_and_partitioned_tables_note_ignored_options()
    {
        var stock = Table("Staging.StockHolding");
        Assert.Contains("MEMORY_OPTIMIZED", stock.IgnoredOptions!);
        Assert.True(stock.FindColumn("Stock Holding Row ID")!.Identity);
        Assert.False(stock.FindColumn("Stock Holding Row ID")!.Nullable);
        var sale = Table("Fact.Sale");
        Assert.Contains("ON filegroup/partition scheme", sale.IgnoredOptions!);
        Assert.NotNull(sale.FindColumn("Total Excluding Tax")!.Computed);
        Assert.True(sale.FindColumn("Total Excluding Tax")!.IsGenerated);
        Assert.NotEmpty(sale.ForeignKeys);
    }

    [Fact]
    public void Sysname_geography_and_bracketed_names_with_spaces()
    {
        var runLog = Table("Etl.Run Log");
        Assert.Equal(128, runLog.FindColumn("Host Name")!.Type.EffectiveLength);
        Assert.Equal("sysname", runLog.FindColumn("Host Name")!.Type.Name);
        Assert.Equal("geography", Table("Dim.City").FindColumn("Location")!.Type.Name);
        Assert.NotNull(WarehouseFixture.Analysis.Catalog.Find(QualifiedName.Parse("Integration.[Load Watermark]")));
    }

    [Fact]
    public void Table_types_views_and_function_results_are_catalog_objects()
    {
        var keyList = Table("Etl.KeyList");
        Assert.Equal(TableKind.TableType, keyList.Kind);
        Assert.Equal(new[] { "Key" }, keyList.PrimaryKey!.Columns);
        var view = Table("Reporting.SaleDetail");
        Assert.Equal(TableKind.View, view.Kind);
        Assert.NotEmpty(view.Columns);
        Assert.Equal(TableKind.FunctionResult, Table("Dim.CustomersAsOf").Kind);
        Assert.Equal(TableKind.FunctionResult, Table("Integration.LoadHistory").Kind);
        // Views and types are not listed as tables.
        Assert.DoesNotContain(WarehouseFixture.Analysis.Catalog.Tables, t => t.Kind != TableKind.Table);
    }

    [Fact]
    public void Live_catalog_rows_build_the_same_records()
    {
        var catalog = EtlAgent.Core.Catalog.LiveCatalog.Build(
            new[]
            {
                new EtlAgent.Core.Catalog.LiveColumnRow("Dim", "Customer", "BASE TABLE", "Customer Key", 1, "int", null, 10, 0, false, "(NEXT VALUE FOR [Sequences].[CustomerKey])", false, false),
                new EtlAgent.Core.Catalog.LiveColumnRow("Dim", "Customer", "BASE TABLE", "Customer Name", 2, "nvarchar", 100, null, null, false, null, false, false),
                new EtlAgent.Core.Catalog.LiveColumnRow("Dim", "Customer", "BASE TABLE", "Notes", 3, "nvarchar", -1, null, null, true, null, false, false),
                new EtlAgent.Core.Catalog.LiveColumnRow("Fact", "Sale", "BASE TABLE", "Customer Key", 1, "int", null, 10, 0, false, null, false, false),
                new EtlAgent.Core.Catalog.LiveColumnRow("Fact", "Sale", "BASE TABLE", "Amount", 2, "decimal", null, 18, 2, true, null, false, false),
            },
            new[]
            {
                new EtlAgent.Core.Catalog.LiveConstraintRow("Dim", "Customer", "PK_Dim_Customer", "PRIMARY KEY", "Customer Key", 1, null, null, null),
                new EtlAgent.Core.Catalog.LiveConstraintRow("Fact", "Sale", "FK_Sale_Customer", "FOREIGN KEY", "Customer Key", 1, "Dim", "Customer", "Customer Key"),
            });
        var customer = catalog.Find(QualifiedName.Parse("dim.customer"))!;
        Assert.Equal(new[] { "Customer Key" }, customer.PrimaryKey!.Columns);
        Assert.True(customer.FindColumn("Notes")!.Type.IsMax);
        Assert.Equal(new SqlType("decimal", Precision: 18, Scale: 2), catalog.Find(QualifiedName.Parse("Fact.Sale"))!.FindColumn("Amount")!.Type);
        var fk = catalog.Find(QualifiedName.Parse("Fact.Sale"))!.ForeignKeys.Single();
        Assert.Equal(QualifiedName.Parse("Dim.Customer"), fk.ReferencedTable);
    }
}
