using System.Text;
using EtlAgent.Core.Ports;

namespace EtlAgent.SandboxBench;

/// <summary>
/// A made-up workspace of any number of tables, for measuring how the per-procedure cost grows
/// with the catalog: ledger tables in a tree of foreign keys (each to the one at half its number),
/// with identities, defaults, CHECKs and a unique code; a view over every tenth pair; a scalar
/// function the views and loads call; one load procedure per ten tables. The procedure measured,
/// <see cref="Procedure"/>, touches three tables (a staging table, its target, the target's
/// foreign-key parent) whatever the size, so only the catalog around it grows.
/// </summary>
public static class SyntheticCatalog
{
    /// <summary>The load every size generates tests for: staging → Ledger.Entry0002 (parent Ledger.Entry0001).</summary>
    public const string Procedure = "Ledger.LoadEntry0002";

    public static MemoryFileSource Files(int tables)
    {
        var files = new MemoryFileSource();
        files.Add("Schemas/Ledger.sql", "CREATE SCHEMA Ledger;\nGO\n");
        files.Add("Schemas/Landing.sql", "CREATE SCHEMA Landing;\nGO\n");
        files.Add("Functions/Ledger.CleanCode.sql", """
            CREATE FUNCTION Ledger.CleanCode (@code nvarchar(40))
            RETURNS nvarchar(20)
            AS
            BEGIN
                RETURN UPPER(LTRIM(RTRIM(@code)));
            END
            GO
            """);
        for (int k = 1; k <= tables; k++)
        {
            files.Add($"Tables/Ledger.Entry{k:0000}.sql", Table(k));
            if (k % 10 == 0) files.Add($"Views/Ledger.EntryPair{k:0000}.sql", View(k));
            if (k % 10 == 2) files.Add($"Tables/Landing.Entry{k:0000}.sql", Staging(k));
            if (k % 10 == 2) files.Add($"Procedures/Ledger.LoadEntry{k:0000}.sql", Load(k));
        }
        return files;
    }

    private static string Table(int k)
    {
        var parent = k > 1 ? $",\n    CONSTRAINT FK_Entry{k:0000}_Parent FOREIGN KEY ([Parent Id]) REFERENCES Ledger.Entry{k / 2:0000} ([Id])" : "";
        return $"""
            CREATE TABLE Ledger.Entry{k:0000}
            (
                [Id]         int IDENTITY(1, 1) NOT NULL,
                [Code]       nvarchar(20)   NOT NULL,
                [Parent Id]  int            NULL,
                [Amount]     decimal(18, 2) NOT NULL CONSTRAINT DF_Entry{k:0000}_Amount DEFAULT (0),
                [Status]     varchar(10)    NOT NULL CONSTRAINT DF_Entry{k:0000}_Status DEFAULT ('new'),
                [Created At] datetime2(7)   NOT NULL CONSTRAINT DF_Entry{k:0000}_Created DEFAULT (SYSDATETIME()),
                [Note]       nvarchar(200)  NULL,
                CONSTRAINT PK_Entry{k:0000} PRIMARY KEY ([Id]),
                CONSTRAINT UQ_Entry{k:0000}_Code UNIQUE ([Code]),
                CONSTRAINT CK_Entry{k:0000}_Amount CHECK ([Amount] >= 0){parent}
            );
            GO

            """;
    }

    private static string View(int k) => $"""
        CREATE VIEW Ledger.EntryPair{k:0000}
        AS
        SELECT a.[Id], Ledger.CleanCode(a.[Code]) AS [Code], a.[Amount] + ISNULL(b.[Amount], 0) AS [Total]
        FROM Ledger.Entry{k:0000} AS a
        LEFT JOIN Ledger.Entry{k - 1:0000} AS b ON b.[Code] = a.[Code]
        WHERE a.[Status] <> 'void';
        GO

        """;

    private static string Staging(int k) => $"""
        CREATE TABLE Landing.Entry{k:0000}
        (
            [Code]      nvarchar(40)   NULL,
            [Parent Id] int            NULL,
            [Amount]    decimal(18, 2) NULL,
            [Note]      nvarchar(200)  NULL
        );
        GO

        """;

    /// <summary>An upsert: changed amounts updated, new codes inserted, negative amounts left out.</summary>
    private static string Load(int k) => $"""
        CREATE PROCEDURE Ledger.LoadEntry{k:0000}
            @Status varchar(10) = 'new'
        AS
        BEGIN
            SET NOCOUNT ON;
            UPDATE t
            SET t.[Amount] = s.[Amount], t.[Note] = s.[Note]
            FROM Ledger.Entry{k:0000} AS t
            JOIN Landing.Entry{k:0000} AS s ON Ledger.CleanCode(s.[Code]) = t.[Code]
            WHERE t.[Amount] <> s.[Amount] AND s.[Amount] >= 0;

            INSERT INTO Ledger.Entry{k:0000} ([Code], [Parent Id], [Amount], [Status], [Note])
            SELECT Ledger.CleanCode(s.[Code]), s.[Parent Id], s.[Amount], @Status, s.[Note]
            FROM Landing.Entry{k:0000} AS s
            WHERE s.[Amount] >= 0
              AND NOT EXISTS (SELECT 1 FROM Ledger.Entry{k:0000} AS t WHERE t.[Code] = Ledger.CleanCode(s.[Code]));
        END
        GO

        """;
}
