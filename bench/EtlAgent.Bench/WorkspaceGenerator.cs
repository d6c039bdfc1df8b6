using System.Text;

namespace EtlAgent.Bench;

/// <summary>
/// Generates a large, realistic warehouse workspace in memory: staging and dimension/fact
/// tables, views, and load procedures with CTEs, MERGE, UPDATE … FROM, SCD2 close-off,
/// TRY/CATCH and temp tables. Seeded, so every run measures the same text.
/// </summary>
public sealed class WorkspaceGenerator(int seed = 20261125)
{
    private readonly Random _random = new(seed);
    private static readonly string[] Subjects =
    {
        "Customer", "Product", "Supplier", "Employee", "City", "Warehouse", "Invoice", "Order", "Shipment", "Payment",
        "Stock", "Route", "Carrier", "Contract", "Region", "Channel", "Promotion", "Account", "Vehicle", "Store",
    };

    public Dictionary<string, string> Generate(int tableGroups = 300, int proceduresPerGroup = 4, int viewsPerGroup = 1)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int g = 0; g < tableGroups; g++)
        {
            var subject = Subjects[g % Subjects.Length] + (g / Subjects.Length);
            var columns = Columns(8 + _random.Next(16));
            files[$"Tables/Staging/Staging.{subject}.sql"] = StagingTable(subject, columns);
            files[$"Tables/Dim/Dim.{subject}.sql"] = DimensionTable(subject, columns);
            for (int p = 0; p < proceduresPerGroup; p++)
                files[$"Procedures/Load{subject}_{p}.sql"] = p % 2 == 0 ? Scd2Procedure(subject, columns, p) : MergeProcedure(subject, columns, p);
            for (int v = 0; v < viewsPerGroup; v++)
                files[$"Views/Reporting.{subject}_{v}.sql"] = View(subject, columns, v);
        }
        return files;
    }

    private List<(string Name, string Type)> Columns(int count)
    {
        var types = new[] { "nvarchar(50)", "nvarchar(100)", "int", "decimal(18,2)", "date", "datetime2(7)", "bit", "varchar(20)", "bigint" };
        var cols = new List<(string, string)>();
        for (int i = 0; i < count; i++)
            cols.Add(($"Attribute {i:00}", types[_random.Next(types.Length)]));
        return cols;
    }

    private static string StagingTable(string s, List<(string Name, string Type)> cols)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"CREATE TABLE Staging.[{s}]");
        sb.AppendLine("(");
        sb.AppendLine($"    [{s} Code] nvarchar(20) NULL,");
        foreach (var (n, t) in cols) sb.AppendLine($"    [{n}] {t} NULL,");
        sb.AppendLine("    [Last Modified] datetime2(7) NULL,");
        sb.AppendLine("    [Load Batch ID] int NOT NULL");
        sb.AppendLine(");");
        sb.AppendLine("GO");
        return sb.ToString();
    }

    private static string DimensionTable(string s, List<(string Name, string Type)> cols)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"CREATE TABLE Dim.[{s}]");
        sb.AppendLine("(");
        sb.AppendLine($"    [{s} Key] int IDENTITY(1,1) NOT NULL,");
        sb.AppendLine($"    [{s} Code] nvarchar(20) NOT NULL,");
        foreach (var (n, t) in cols) sb.AppendLine($"    [{n}] {t} NULL,");
        sb.AppendLine("    [Valid From] datetime2(7) NOT NULL,");
        sb.AppendLine("    [Valid To] datetime2(7) NOT NULL CONSTRAINT [DF_Dim_" + s + "_ValidTo] DEFAULT ('9999-12-31 23:59:59.9999999'),");
        sb.AppendLine("    [Lineage Key] int NOT NULL,");
        sb.AppendLine($"    CONSTRAINT [PK_Dim_{s}] PRIMARY KEY CLUSTERED ([{s} Key]),");
        sb.AppendLine($"    CONSTRAINT [UQ_Dim_{s}_Version] UNIQUE ([{s} Code], [Valid From])");
        sb.AppendLine(");");
        sb.AppendLine("GO");
        return sb.ToString();
    }

    private string Scd2Procedure(string s, List<(string Name, string Type)> cols, int p)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"CREATE PROCEDURE Dim.[Load{s}_{p}]");
        sb.AppendLine("    @LastCutoff datetime2(7),");
        sb.AppendLine("    @NewCutoff datetime2(7),");
        sb.AppendLine("    @LineageKey int");
        sb.AppendLine("AS");
        sb.AppendLine("BEGIN");
        sb.AppendLine("    SET NOCOUNT ON;");
        sb.AppendLine("    SET XACT_ABORT ON;");
        sb.AppendLine("    DECLARE @EndOfTime datetime2(7) = '9999-12-31 23:59:59.9999999';");
        sb.AppendLine("    DECLARE @RowCount int = 0;");
        sb.AppendLine();
        sb.AppendLine($"    WITH Ranked AS");
        sb.AppendLine("    (");
        sb.AppendLine("        SELECT");
        sb.AppendLine($"            s.[{s} Code],");
        foreach (var (n, t) in cols)
            sb.AppendLine(t.StartsWith("nvarchar") ? $"            ISNULL(NULLIF(LTRIM(RTRIM(s.[{n}])), N''), N'Unknown') AS [{n}]," : $"            s.[{n}],");
        sb.AppendLine("            s.[Last Modified],");
        sb.AppendLine($"            ROW_NUMBER() OVER (PARTITION BY s.[{s} Code] ORDER BY s.[Last Modified] DESC, s.[Load Batch ID] DESC) AS [Version Rank]");
        sb.AppendLine($"        FROM Staging.[{s}] AS s");
        sb.AppendLine("        WHERE s.[Last Modified] > @LastCutoff");
        sb.AppendLine("          AND s.[Last Modified] <= @NewCutoff");
        sb.AppendLine($"          AND s.[{s} Code] IS NOT NULL");
        sb.AppendLine("    )");
        sb.AppendLine("    SELECT *");
        sb.AppendLine("    INTO #Changes");
        sb.AppendLine("    FROM Ranked AS r");
        sb.AppendLine("    WHERE r.[Version Rank] = 1");
        sb.AppendLine("      AND NOT EXISTS");
        sb.AppendLine("      (");
        sb.AppendLine($"          SELECT 1 FROM Dim.[{s}] AS d");
        sb.AppendLine($"          WHERE d.[{s} Code] = r.[{s} Code]");
        sb.AppendLine("            AND d.[Valid To] = @EndOfTime");
        foreach (var (n, _) in cols)
            sb.AppendLine($"            AND (d.[{n}] = r.[{n}] OR (d.[{n}] IS NULL AND r.[{n}] IS NULL))");
        sb.AppendLine("      );");
        sb.AppendLine();
        sb.AppendLine("    BEGIN TRY");
        sb.AppendLine("        BEGIN TRANSACTION;");
        sb.AppendLine();
        sb.AppendLine("        UPDATE d");
        sb.AppendLine("        SET d.[Valid To] = c.[Last Modified],");
        sb.AppendLine("            d.[Lineage Key] = @LineageKey");
        sb.AppendLine($"        FROM Dim.[{s}] AS d");
        sb.AppendLine($"        INNER JOIN #Changes AS c ON c.[{s} Code] = d.[{s} Code]");
        sb.AppendLine("        WHERE d.[Valid To] = @EndOfTime;");
        sb.AppendLine();
        sb.AppendLine($"        INSERT INTO Dim.[{s}]");
        sb.Append($"            ([{s} Code]");
        foreach (var (n, _) in cols) sb.Append($", [{n}]");
        sb.AppendLine(", [Valid From], [Valid To], [Lineage Key])");
        sb.AppendLine("        SELECT");
        sb.AppendLine($"            c.[{s} Code],");
        foreach (var (n, _) in cols) sb.AppendLine($"            c.[{n}],");
        sb.AppendLine("            c.[Last Modified],");
        sb.AppendLine("            @EndOfTime,");
        sb.AppendLine("            @LineageKey");
        sb.AppendLine("        FROM #Changes AS c;");
        sb.AppendLine("        SET @RowCount = @@ROWCOUNT;");
        sb.AppendLine();
        sb.AppendLine("        COMMIT TRANSACTION;");
        sb.AppendLine("    END TRY");
        sb.AppendLine("    BEGIN CATCH");
        sb.AppendLine("        IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;");
        sb.AppendLine("        THROW;");
        sb.AppendLine("    END CATCH;");
        sb.AppendLine();
        AppendAudit(sb, s);
        sb.AppendLine("    RETURN @RowCount;");
        sb.AppendLine("END;");
        sb.AppendLine("GO");
        return sb.ToString();
    }

    private string MergeProcedure(string s, List<(string Name, string Type)> cols, int p)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"CREATE PROCEDURE Dim.[Merge{s}_{p}]");
        sb.AppendLine("    @LineageKey int,");
        sb.AppendLine("    @BatchId int = NULL");
        sb.AppendLine("AS");
        sb.AppendLine("BEGIN");
        sb.AppendLine("    SET NOCOUNT ON;");
        sb.AppendLine("    SET XACT_ABORT ON;");
        sb.AppendLine("    DECLARE @Actions TABLE ([Action] nvarchar(10) NOT NULL);");
        sb.AppendLine();
        sb.AppendLine($"    MERGE Dim.[{s}] AS t");
        sb.AppendLine("    USING");
        sb.AppendLine("    (");
        sb.AppendLine("        SELECT");
        sb.AppendLine($"            src.[{s} Code],");
        foreach (var (n, _) in cols) sb.AppendLine($"            MAX(src.[{n}]) AS [{n}],");
        sb.AppendLine("            MAX(src.[Last Modified]) AS [Last Modified]");
        sb.AppendLine($"        FROM Staging.[{s}] AS src");
        sb.AppendLine("        WHERE (@BatchId IS NULL OR src.[Load Batch ID] = @BatchId)");
        sb.AppendLine($"        GROUP BY src.[{s} Code]");
        sb.AppendLine("    ) AS s");
        sb.AppendLine($"        ON t.[{s} Code] = s.[{s} Code]");
        sb.AppendLine("    WHEN MATCHED AND");
        sb.AppendLine("    (");
        for (int i = 0; i < cols.Count; i++)
            sb.AppendLine($"        {(i == 0 ? "   " : "OR ")} ISNULL(CONVERT(nvarchar(200), t.[{cols[i].Name}]), N'') <> ISNULL(CONVERT(nvarchar(200), s.[{cols[i].Name}]), N'')");
        sb.AppendLine("    ) THEN");
        sb.AppendLine("        UPDATE SET");
        foreach (var (n, _) in cols) sb.AppendLine($"            t.[{n}] = s.[{n}],");
        sb.AppendLine("            t.[Lineage Key] = @LineageKey");
        sb.AppendLine("    WHEN NOT MATCHED BY TARGET THEN");
        sb.Append($"        INSERT ([{s} Code]");
        foreach (var (n, _) in cols) sb.Append($", [{n}]");
        sb.AppendLine(", [Valid From], [Lineage Key])");
        sb.Append($"        VALUES (s.[{s} Code]");
        foreach (var (n, _) in cols) sb.Append($", s.[{n}]");
        sb.AppendLine(", ISNULL(s.[Last Modified], SYSDATETIME()), @LineageKey)");
        sb.AppendLine("    OUTPUT $action INTO @Actions ([Action]);");
        sb.AppendLine();
        sb.AppendLine("    SELECT [Action], COUNT(*) AS [Rows] FROM @Actions GROUP BY [Action] ORDER BY [Action];");
        int loops = 1 + _random.Next(3);
        for (int i = 0; i < loops; i++)
        {
            sb.AppendLine();
            sb.AppendLine($"    IF EXISTS (SELECT 1 FROM Staging.[{s}] WHERE [Load Batch ID] = @BatchId AND [{s} Code] IS NULL)");
            sb.AppendLine("    BEGIN");
            sb.AppendLine($"        DELETE FROM Staging.[{s}] WHERE [Load Batch ID] = @BatchId AND [{s} Code] IS NULL;");
            sb.AppendLine($"        PRINT N'Removed staged {s} rows without a code';");
            sb.AppendLine("    END;");
        }
        sb.AppendLine();
        AppendAudit(sb, s);
        sb.AppendLine("END;");
        sb.AppendLine("GO");
        return sb.ToString();
    }

    private static void AppendAudit(StringBuilder sb, string s)
    {
        sb.AppendLine("    DECLARE @Summary TABLE ([Code] nvarchar(20) NOT NULL, [Versions] int NOT NULL);");
        sb.AppendLine("    INSERT INTO @Summary ([Code], [Versions])");
        sb.AppendLine($"    SELECT d.[{s} Code], COUNT(*)");
        sb.AppendLine($"    FROM Dim.[{s}] AS d");
        sb.AppendLine($"    GROUP BY d.[{s} Code]");
        sb.AppendLine("    HAVING COUNT(*) > 1;");
    }

    private static string View(string s, List<(string Name, string Type)> cols, int v)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"CREATE VIEW Reporting.[{s}_{v}]");
        sb.AppendLine("AS");
        sb.AppendLine($"SELECT d.[{s} Key], d.[{s} Code],");
        foreach (var (n, _) in cols.Take(6)) sb.AppendLine($"       d.[{n}],");
        sb.AppendLine("       d.[Valid From]");
        sb.AppendLine($"FROM Dim.[{s}] AS d");
        sb.AppendLine("WHERE d.[Valid To] = '9999-12-31 23:59:59.9999999';");
        sb.AppendLine("GO");
        return sb.ToString();
    }
}
