using System.Text;

namespace EtlAgent.LspBench;

/// <summary>Generates realistic load procedures of a given size, and the tables they use.</summary>
public static class ProcedureGenerator
{
    public const string Tables = """
        CREATE TABLE Staging.Sales ([Sale ID] bigint NOT NULL, [Customer Code] nvarchar(20) NOT NULL, [Product Code] nvarchar(20) NOT NULL,
            [Quantity] int NOT NULL, [Unit Price] decimal(18, 4) NOT NULL, [Sold At] datetime2 NOT NULL, [Channel] nvarchar(30) NULL);
        GO
        CREATE TABLE Dim.Customer ([Customer Key] int IDENTITY(1, 1) NOT NULL PRIMARY KEY, [Customer Code] nvarchar(20) NOT NULL,
            [Name] nvarchar(100) NULL, [Segment] nvarchar(30) NULL, [Is Current] bit NOT NULL, [Valid From] datetime2 NOT NULL, [Valid To] datetime2 NULL);
        GO
        CREATE TABLE Dim.Product ([Product Key] int IDENTITY(1, 1) NOT NULL PRIMARY KEY, [Product Code] nvarchar(20) NOT NULL, [Name] nvarchar(100) NULL);
        GO
        CREATE TABLE Fact.Sales ([Sale ID] bigint NOT NULL, [Customer Key] int NOT NULL, [Product Key] int NOT NULL, [Quantity] int NOT NULL,
            [Amount] decimal(18, 2) NOT NULL, [Sold At] datetime2 NOT NULL, [Channel] nvarchar(30) NULL, [Batch] int NOT NULL);
        """;

    /// <summary>A CREATE PROCEDURE of about <paramref name="lines"/> lines; each block is a staged load step.</summary>
    public static string Procedure(string name, int lines)
    {
        var sb = new StringBuilder();
        sb.Append("CREATE PROCEDURE ").Append(name).Append(" @Batch int, @From datetime2 = NULL\nAS\nBEGIN\n    SET NOCOUNT ON;\n");
        int block = 0;
        while (Count(sb) < lines - 2)
        {
            block++;
            sb.Append($"""
                    -- step {block}: load the sales of channel {block} into the fact table, resolving dimension keys
                    IF OBJECT_ID(N'tempdb..#Step{block}') IS NOT NULL DROP TABLE #Step{block};
                    SELECT s.[Sale ID], c.[Customer Key], p.[Product Key], s.[Quantity], s.[Quantity] * s.[Unit Price] AS [Amount],
                           s.[Sold At], COALESCE(s.[Channel], N'channel {block} default value') AS [Channel]
                    INTO   #Step{block}
                    FROM   Staging.Sales AS s
                    JOIN   Dim.Customer AS c ON c.[Customer Code] = s.[Customer Code] AND c.[Is Current] = 1
                    JOIN   Dim.Product AS p ON p.[Product Code] = s.[Product Code]
                    WHERE  s.[Sold At] >= COALESCE(@From, '19000101') AND s.[Channel] = N'channel-{block:D5}-name';
                    MERGE Fact.Sales AS t
                    USING #Step{block} AS src ON t.[Sale ID] = src.[Sale ID]
                    WHEN MATCHED AND t.[Amount] <> src.[Amount] THEN UPDATE SET t.[Amount] = src.[Amount], t.[Batch] = @Batch
                    WHEN NOT MATCHED BY TARGET THEN INSERT ([Sale ID], [Customer Key], [Product Key], [Quantity], [Amount], [Sold At], [Channel], [Batch])
                         VALUES (src.[Sale ID], src.[Customer Key], src.[Product Key], src.[Quantity], src.[Amount], src.[Sold At], src.[Channel], @Batch);

                """);
        }
        sb.Append("END\n");
        return sb.ToString();
    }

    private static int Count(StringBuilder sb)
    {
        int n = 0;
        for (int i = 0; i < sb.Length; i++) if (sb[i] == '\n') n++;
        return n;
    }
}
