using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.Core.Model;
using EtlAgent.Core.Ports;
using EtlAgent.Core.Reporting;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Workspace;

namespace EtlAgent.Core.Tests.Agent;

public class WorkspaceSessionTests
{
    private const string Table = "CREATE TABLE dbo.Source (Id int NOT NULL, Name nvarchar(50) NULL);\n";
    private const string Proc = "CREATE PROCEDURE dbo.LoadTarget AS\nBEGIN\n    INSERT INTO dbo.Target (Id, Name)\n    SELECT s.Id, s.Name FROM dbo.Source AS s WHERE s.Name = NULL;\nEND\n";
    private const string Other = "CREATE PROCEDURE dbo.Other AS\nBEGIN\n    SELECT 1 AS X;\nEND\n";

    private static MemoryFileSource Files() => new MemoryFileSource()
        .Add("tables/Source.sql", Table)
        .Add("procs/LoadTarget.sql", Proc)
        .Add("procs/Other.sql", Other)
        .Add("broken.sql", "SELECT (1 + FROM x;");

    private static async Task<(WorkspaceSession Session, List<SessionUpdate> Updates)> Indexed(IFileSource files, WorkspaceAnalyzer? analyzer = null)
    {
        var session = new WorkspaceSession(analyzer ?? new WorkspaceAnalyzer(WorkspaceSettings.Default), files);
        var updates = new List<SessionUpdate>();
        session.Updated += u => { lock (updates) updates.Add(u); };
        session.Start();
        await session.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (session, updates);
    }

    private static string Json(IEnumerable<Finding> findings) =>
        string.Join("\n", findings.Select(f => DiscoveryReport.Serialize(FindingJson.ToJson(f), indented: false)));

    [Fact]
    public async Task Indexing_gives_the_same_findings_and_model_as_the_batch_analyzer()
    {
        var files = Files();
        var (session, updates) = await Indexed(files);
        using var _ = session;
        var batch = new WorkspaceAnalyzer(WorkspaceSettings.Default).Analyze(files);
        var snapshot = session.Current;
        Assert.True(snapshot.IndexingComplete);
        Assert.Contains(updates, u => u.IndexingCompleted);
        Assert.Equal(Json(batch.Findings), Json(snapshot.Analysis.Findings));
        Assert.Equal(DiscoveryReport.Serialize(DiscoveryReport.ToJson(batch)), DiscoveryReport.Serialize(DiscoveryReport.ToJson(snapshot.Analysis)));
        Assert.Contains(snapshot.FindingsFor("procs/LoadTarget.sql"), f => f.RuleId == "ETL0007");
        Assert.Contains(snapshot.FindingsFor("broken.sql"), f => f.RuleId == "ETL0000");
    }

    [Fact]
    public async Task An_edit_reparses_only_that_document_and_keeps_the_catalog()
    {
        var (session, updates) = await Indexed(Files());
        using var _ = session;
        var before = session.Current;
        updates.Clear();
        session.Open("procs/LoadTarget.sql", Proc.Replace("= NULL", "IS NULL"), 2);
        await session.WhenIdleAsync();
        var after = session.Current;
        Assert.True(after.Revision > before.Revision);
        Assert.Same(before.Catalog, after.Catalog);
        Assert.Same(before.Document("procs/Other.sql"), after.Document("procs/Other.sql"));
        Assert.DoesNotContain(after.FindingsFor("procs/LoadTarget.sql"), f => f.RuleId == "ETL0007");
        Assert.Equal(2, after.Document("procs/LoadTarget.sql")!.Version);
        Assert.Equal(new[] { "procs/LoadTarget.sql" }, updates.SelectMany(u => u.ChangedFiles).Distinct());
    }

    [Fact]
    public async Task A_table_change_rechecks_the_procedures_that_use_it()
    {
        var files = Files();
        var (session, updates) = await Indexed(files);
        using var _ = session;
        var before = session.Current;
        updates.Clear();
        files.Add("tables/Source.sql", Table.Replace("Name nvarchar(50) NULL", "Name nvarchar(50) NULL, Extra int NULL"));
        session.FilesChanged(new[] { ("tables/Source.sql", FileChangeKind.Changed) });
        await session.WhenIdleAsync();
        var after = session.Current;
        Assert.NotSame(before.Catalog, after.Catalog);
        Assert.Equal(3, after.Catalog.Find(QualifiedName.Parse("dbo.Source"))!.Columns.Count);
        var changed = updates.SelectMany(u => u.ChangedFiles).ToHashSet();
        Assert.Contains("tables/Source.sql", changed);
        Assert.Contains("procs/LoadTarget.sql", changed);
        Assert.DoesNotContain("procs/Other.sql", changed);
        Assert.NotSame(before.Document("procs/LoadTarget.sql")!.Analysis, after.Document("procs/LoadTarget.sql")!.Analysis);
        Assert.Same(before.Document("procs/Other.sql"), after.Document("procs/Other.sql"));
    }

    [Fact]
    public async Task A_throwing_rule_is_reported_and_the_session_goes_on()
    {
        var analyzer = new WorkspaceAnalyzer(WorkspaceSettings.Default, rules: RuleRegistry.All.Append(new ThrowingRule()));
        var failures = new List<string>();
        var session = new WorkspaceSession(analyzer, Files());
        session.Failed += (where, _) => { lock (failures) failures.Add(where); };
        session.Start();
        await session.WhenIdleAsync();
        using var _ = session;
        Assert.NotEmpty(failures);
        Assert.Contains(session.Current.FindingsFor("procs/LoadTarget.sql"), f => f.RuleId == "ETL0007");
    }

    [Fact]
    public async Task Closing_an_unsaved_buffer_returns_to_the_file_on_disk()
    {
        var (session, _) = await Indexed(Files());
        using var __ = session;
        session.Open("procs/Other.sql", Other.Replace("SELECT 1 AS X", "UPDATE dbo.T SET A = 1 WHERE B = NULL"), 1);
        await session.WhenIdleAsync();
        Assert.Contains(session.Current.FindingsFor("procs/Other.sql"), f => f.RuleId == "ETL0007");
        session.Close("procs/Other.sql");
        await session.WhenIdleAsync();
        Assert.DoesNotContain(session.Current.FindingsFor("procs/Other.sql"), f => f.RuleId == "ETL0007");
        Assert.Null(session.Current.Document("procs/Other.sql")!.Version);
    }

    private sealed class ThrowingRule : Rule
    {
        public override RuleDescriptor Descriptor { get; } = new("ETL9998", "throws", "Always throws", Severity.Warning, "Test",
            new RuleDoc("x", "x", "x"));

        public override void Check(RuleContext context) => throw new InvalidOperationException("boom");
    }
}
