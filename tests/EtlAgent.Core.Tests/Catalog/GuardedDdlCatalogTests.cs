using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Catalog;

/// <summary>
/// Idempotent deployment scripts create their tables inside guards (`IF NOT EXISTS (SELECT … FROM
/// sys.tables …) BEGIN CREATE TABLE … END`, `IF OBJECT_ID(…) IS NULL CREATE TABLE …`, TRY blocks):
/// those tables are catalogued with their real keys, types and NOT NULLs, while a CREATE TABLE in a
/// procedure body stays a run-time work table, and a guarded definition never competes with an
/// unguarded one as a duplicate.
/// </summary>
public class GuardedDdlCatalogTests
{
    private static WorkspaceAnalysis Analyze(params (string Path, string Text)[] files) => InMemoryWorkspace.Analyze(files);

    private static TableDef Declared(WorkspaceAnalysis analysis, string name)
    {
        var table = analysis.Catalog.Find(QualifiedName.Parse(name));
        Assert.NotNull(table);
        Assert.Null(table!.StandIn);
        return table;
    }

    private const string Reader = """
        CREATE PROCEDURE Etl.ReadAll
        AS
        BEGIN
            SELECT o.OrderId, o.Amount FROM Sales.Orders AS o;
            SELECT l.Code FROM Ref.Lookup AS l;
            SELECT r.RunId FROM Etl.RunLog AS r;
        END
        """;

    [Fact]
    public void Tables_created_inside_if_begin_end_object_id_and_try_guards_are_catalogued_with_keys_and_types()
    {
        var analysis = Analyze(("deploy/orders.sql", """
            IF NOT EXISTS (SELECT 1 FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id
                           WHERE s.name = N'Sales' AND t.name = N'Orders')
            BEGIN
                CREATE TABLE Sales.Orders (
                    OrderId int NOT NULL,
                    Amount decimal(12, 2) NOT NULL,
                    Note nvarchar(200) NULL,
                    CONSTRAINT PK_Orders PRIMARY KEY (OrderId));
                INSERT INTO Sales.Orders (OrderId, Amount) VALUES (0, 0);
            END
            GO
            IF OBJECT_ID(N'Ref.Lookup', N'U') IS NULL
                CREATE TABLE Ref.Lookup (Code char(3) NOT NULL PRIMARY KEY, Label nvarchar(40) NOT NULL);
            GO
            IF EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = N'RunLog')
                PRINT 'RunLog already there';
            ELSE
            BEGIN TRY
                CREATE TABLE Etl.RunLog (RunId bigint IDENTITY(1, 1) NOT NULL PRIMARY KEY, StartedAt datetime2(3) NOT NULL);
            END TRY
            BEGIN CATCH
                THROW;
            END CATCH
            """), ("etl/read.sql", Reader));

        var orders = Declared(analysis, "Sales.Orders");
        Assert.Equal(new[] { "OrderId" }, orders.PrimaryKey!.Columns);
        Assert.Equal("decimal(12,2)", orders.FindColumn("Amount")!.Type.ToString().Replace(" ", ""));
        Assert.False(orders.FindColumn("Amount")!.Nullable);
        Assert.True(orders.FindColumn("Note")!.Nullable);
        Assert.Equal("deploy/orders.sql", orders.Location!.File);
        Assert.Equal(new[] { "Code" }, Declared(analysis, "Ref.Lookup").PrimaryKey!.Columns);
        var log = Declared(analysis, "Etl.RunLog");
        Assert.True(log.FindColumn("RunId")!.Identity);
        // Nothing here is a stand-in any more, so there is no notice asking to declare one.
        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0150");
    }

    [Fact]
    public void Guarded_alter_table_add_extends_the_table_with_columns_and_constraints()
    {
        var analysis = Analyze(("deploy/1-tables.sql", """
            CREATE TABLE Sales.Orders (OrderId int NOT NULL, Amount decimal(12, 2) NOT NULL);
            CREATE TABLE Sales.Customer (CustomerId int NOT NULL PRIMARY KEY);
            """), ("deploy/2-upgrade.sql", """
            IF COL_LENGTH(N'Sales.Orders', N'CustomerId') IS NULL
            BEGIN
                ALTER TABLE Sales.Orders ADD CustomerId int NOT NULL CONSTRAINT DF_Orders_Customer DEFAULT (0);
            END
            GO
            IF OBJECT_ID(N'Sales.PK_Orders') IS NULL
                ALTER TABLE Sales.Orders ADD CONSTRAINT PK_Orders PRIMARY KEY (OrderId);
            GO
            IF NOT EXISTS (SELECT 1 FROM sys.foreign_keys WHERE name = N'FK_Orders_Customer')
                ALTER TABLE Sales.Orders ADD CONSTRAINT FK_Orders_Customer FOREIGN KEY (CustomerId) REFERENCES Sales.Customer (CustomerId);
            """));

        var orders = Declared(analysis, "Sales.Orders");
        Assert.False(orders.FindColumn("CustomerId")!.Nullable);
        Assert.NotNull(orders.FindColumn("CustomerId")!.Default);
        Assert.Equal(new[] { "OrderId" }, orders.PrimaryKey!.Columns);
        Assert.Contains(orders.ForeignKeys, fk => fk.ReferencedTable == QualifiedName.Parse("Sales.Customer"));
    }

    [Fact]
    public void A_guarded_sp_rename_of_a_column_renames_it_with_its_keys_and_the_foreign_keys_that_reference_it()
    {
        var analysis = Analyze(("deploy/orders.sql", """
            IF OBJECT_ID(N'Sales.Orders') IS NULL
                CREATE TABLE Sales.Orders (ORDER_NO int NOT NULL PRIMARY KEY, AMT money NULL, Total AS (AMT * 2));
            GO
            CREATE TABLE Sales.OrderLine (LineId int NOT NULL, OrderNo int NOT NULL,
                CONSTRAINT FK_Line_Order FOREIGN KEY (OrderNo) REFERENCES Sales.Orders (ORDER_NO));
            GO
            IF EXISTS (SELECT 1 FROM sys.columns WHERE name = N'ORDER_NO' AND object_id = OBJECT_ID(N'Sales.Orders'))
            BEGIN
                EXEC sp_rename 'Sales.Orders.ORDER_NO', 'order_number', 'COLUMN';
            END;
            -- a computed column names AMT: renaming it would leave the expression stale, so it stays
            EXEC sp_rename @objname = N'Sales.Orders.AMT', @newname = N'amount', @objtype = 'COLUMN';
            -- a table rename is not a column rename
            EXEC sp_rename 'Sales.OrderLine', 'OrderLines';
            """));

        var orders = Declared(analysis, "Sales.Orders");
        Assert.NotNull(orders.FindColumn("order_number"));
        Assert.Null(orders.FindColumn("ORDER_NO"));
        Assert.Equal(new[] { "order_number" }, orders.PrimaryKey!.Columns);
        Assert.NotNull(orders.FindColumn("AMT"));
        var line = Declared(analysis, "Sales.OrderLine");
        Assert.Equal(new[] { "order_number" }, line.ForeignKeys.Single().ReferencedColumns);
    }

    [Fact]
    public void A_create_table_inside_a_procedure_body_stays_a_work_table_even_under_a_guard()
    {
        var analysis = Analyze(("etl/work.sql", """
            CREATE PROCEDURE Etl.Rebuild
            AS
            BEGIN
                IF OBJECT_ID(N'Work.Scratch') IS NULL
                BEGIN
                    CREATE TABLE Work.Scratch (Id int NOT NULL PRIMARY KEY);
                END
                INSERT INTO Work.Scratch (Id) VALUES (1);
            END
            """));

        var scratch = analysis.Catalog.Find(QualifiedName.Parse("Work.Scratch"));
        Assert.True(scratch is null || scratch.StandIn is not null, "a procedure's work table is not a workspace definition");
    }

    [Fact]
    public void An_unguarded_definition_wins_over_a_guarded_one_and_neither_is_reported_as_a_duplicate()
    {
        // The guarded copy's file sorts first: without precedence it would be the definition in use.
        var analysis = Analyze(
            ("a-bootstrap.sql", """
                IF OBJECT_ID(N'Sales.Orders') IS NULL
                    CREATE TABLE Sales.Orders (OrderId int NULL);
                """),
            ("b-schema.sql", """
                CREATE TABLE Sales.Orders (OrderId int NOT NULL PRIMARY KEY, Amount money NOT NULL);
                """),
            ("c-again.sql", """
                IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE name = N'Orders')
                    CREATE TABLE Sales.Orders (OrderId bigint NULL);
                """),
            ("etl/read.sql", Reader));

        var orders = Declared(analysis, "Sales.Orders");
        Assert.Equal("b-schema.sql", orders.Location!.File);
        Assert.Equal(new[] { "OrderId" }, orders.PrimaryKey!.Columns);
        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0099");
    }

    [Fact]
    public void Between_guarded_definitions_alone_the_first_by_path_is_used_without_a_duplicate_finding()
    {
        var analysis = Analyze(
            ("migrations/v2/orders.sql", """
                IF OBJECT_ID(N'Sales.Orders') IS NULL
                    CREATE TABLE Sales.Orders (OrderId int NOT NULL, Amount money NULL);
                """),
            ("release/orders.sql", """
                IF OBJECT_ID(N'Sales.Orders') IS NULL
                    CREATE TABLE Sales.Orders (OrderId int NOT NULL);
                """),
            ("etl/read.sql", Reader));

        Assert.Equal("migrations/v2/orders.sql", Declared(analysis, "Sales.Orders").Location!.File);
        Assert.DoesNotContain(analysis.Findings, f => f.RuleId == "ETL0099");
    }
}
