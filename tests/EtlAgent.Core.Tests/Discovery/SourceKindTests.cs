using EtlAgent.Core.Discovery;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Workspace;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Tests.Discovery;

/// <summary>Discovery reads the workspace through the registry of source kinds: a new kind needs no change elsewhere.</summary>
public class SourceKindTests
{
    /// <summary>A kind of our own for the test: T-SQL kept in files with another ending, scanned by the T-SQL kind.</summary>
    private sealed class WrappedSql : SourceKind
    {
        public int Scanned;
        public override string Name => "wrapped";
        public override IReadOnlyList<string> LanguageIds { get; } = new[] { "wrapped" };
        public override IReadOnlyList<string> Extensions { get; } = new[] { ".wsql" };
        public override DocumentFacts Scan(string path, string text, WorkspaceSettings settings)
        {
            Interlocked.Increment(ref Scanned);
            return new TSqlSourceKind().Scan(path, text, settings);
        }
        public override bool MayDefineCatalogObjects(string text) => true;
    }

    private static MemoryFileSource Files() => new MemoryFileSource()
        .Add("a.sql", "CREATE TABLE dbo.T (a int NOT NULL);")
        .Add("b.wsql", "CREATE PROCEDURE dbo.P AS INSERT INTO dbo.T (a) VALUES (1);")
        .Add("notes.txt", "CREATE PROCEDURE dbo.Q AS SELECT 1;");

    [Fact]
    public void Only_files_a_kind_owns_are_documents_each_scanned_by_its_kind()
    {
        var wrapped = new WrappedSql();
        var kinds = new SourceKinds(new SourceKind[] { new TSqlSourceKind(), wrapped });
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default, kinds: kinds);
        var analysis = analyzer.Analyze(Files());
        Assert.Equal(new[] { "a.sql", "b.wsql" }, analyzer.SourceFiles(Files()));
        Assert.Equal(1, wrapped.Scanned);
        Assert.Equal(new[] { "dbo.P" }, analysis.Transformations.Select(t => t.Transformation.Name));
        Assert.Equal(new[] { "**/*.sql", "**/*.wsql" }, kinds.FilePatterns);
        Assert.Same(wrapped, kinds.For("x/y/B.WSQL"));
        Assert.Null(kinds.For("notes.txt"));
    }

    [Fact]
    public void The_default_registry_reads_TSql_only()
    {
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default);
        Assert.Equal(new[] { "a.sql" }, analyzer.SourceFiles(Files()));
        Assert.Equal("T-SQL", Assert.Single(SourceKinds.Default.All).Name);
    }
}
