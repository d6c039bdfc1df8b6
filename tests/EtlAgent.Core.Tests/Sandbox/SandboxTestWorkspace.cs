using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Sandbox.TestFiles;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Sandbox;

/// <summary>A small in-memory workspace for loader and runner tests.</summary>
public static class SandboxTestWorkspace
{
    public const string Sql = """
        CREATE TABLE dbo.Src
        (
            Id      int           NOT NULL,
            Name    nvarchar(10)  NULL,
            Amount  decimal(9, 2) NULL,
            Seen    datetime      NULL,
            Flag    bit           NULL,
            Code    char(3)       NULL
        );
        GO
        CREATE TABLE dbo.Dst
        (
            Id       int IDENTITY(1, 1) NOT NULL,
            Name     nvarchar(10)  NOT NULL,
            Amount   decimal(9, 2) NULL,
            LoadedAt datetime2(3)  NULL,
            Status   varchar(5)    NOT NULL CONSTRAINT DF_Dst_Status DEFAULT ('new'),
            Total    AS (Amount * 2),
            CONSTRAINT PK_Dst PRIMARY KEY (Id)
        );
        GO
        CREATE TABLE dbo.Parent (Id int NOT NULL CONSTRAINT PK_Parent PRIMARY KEY);
        GO
        CREATE TABLE dbo.Child (Id int NOT NULL, ParentId int NOT NULL CONSTRAINT FK_Child_Parent REFERENCES dbo.Parent (Id));
        GO
        CREATE PROCEDURE dbo.LoadDst
            @BatchId int,
            @Note    nvarchar(20) = NULL
        AS
        BEGIN
            INSERT INTO dbo.Dst (Name, Amount) SELECT Name, Amount FROM dbo.Src;
        END;
        GO
        CREATE PROCEDURE dbo.CountDst @Count int OUTPUT, @Note nvarchar(20) = NULL OUTPUT AS SELECT @Count = COUNT(*) FROM dbo.Dst;
        GO
        CREATE PROCEDURE dbo.LoadChild AS INSERT INTO dbo.Child (Id, ParentId) SELECT Id, Id FROM dbo.Parent;
        GO
        CREATE VIEW dbo.BigAmounts AS SELECT Id, Amount FROM dbo.Src WHERE Amount > 100;
        GO
        """;

    private static readonly Lazy<WorkspaceAnalysis> _analysis = new(() => Analyze(Files()));

    public static WorkspaceAnalysis Analysis => _analysis.Value;

    public static MemoryFileSource Files() => new MemoryFileSource().Add("schema.sql", Sql);

    public static WorkspaceAnalysis Analyze(IFileSource files) => new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);

    public static TestFileLoadResult Load(string yaml, string path = "tests/x.etltest.yaml") =>
        new TestFileLoader(Analysis).Load(path, yaml);

    public static TestFile LoadOk(string yaml, string path = "tests/x.etltest.yaml")
    {
        var result = Load(yaml, path);
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return result.File!;
    }
}
