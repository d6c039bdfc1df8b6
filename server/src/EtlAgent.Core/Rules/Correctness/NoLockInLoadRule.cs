using System.Text.RegularExpressions;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Rules.SyntaxRuleHelpers;

namespace EtlAgent.Core.Rules.Correctness;

/// <summary>Dirty reads (NOLOCK, READUNCOMMITTED, READ UNCOMMITTED isolation) inside a transformation.</summary>
public sealed class NoLockInLoadRule : Rule
{
    public override RuleDescriptor Descriptor { get; } = new(
        "ETL0010", "nolock-in-load", "Dirty read (NOLOCK / READ UNCOMMITTED) in a load", Severity.Warning, "Correctness",
        new RuleDoc(
            "NOLOCK and READUNCOMMITTED table hints, and SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED, read data other sessions have not committed. A load that reads this way can insert rows that are later rolled back, and an allocation-order scan racing page splits can skip rows or read them twice, so totals drift and duplicates appear with no error. " +
            "The fix removes the hint (the whole WITH (...) when it was the only one). The SET statement is rewritten to READ COMMITTED rather than deleted: inside a procedure the level then no longer depends on whatever the caller's session used, and if the hint was there to avoid blocking, turning on READ_COMMITTED_SNAPSHOT on the source database gives non-blocking reads of committed data at READ COMMITTED. " +
            "One finding per statement names every table it reads dirty, and its fix removes all their hints. " +
            "#temp tables and table variables are private to the session and are not reported, nor is a hint on the table an UPDATE or DELETE modifies (`UPDATE t ... FROM dbo.Summary AS t WITH (NOLOCK)`, or `UPDATE dbo.Summary ... FROM #s JOIN dbo.Summary AS x WITH (NOLOCK)`, where the FROM clause's only reference to the target table is the row source it changes: SQL Server ignores the hint there and locks the rows it changes), and neither are SQL Server's catalog views and DMVs (`sys.*`, INFORMATION_SCHEMA), which hold no table data, nor a statement whose dirty reads are all of tables filled only by the script that defines them (a date dimension or code table created and seeded in one deployment file, written by nothing else: reference data no load changes). " +
            "A statement whose every dirty read is a point lookup (every column of the table's primary key or a unique constraint compared with a parameter, variable or literal: at most one row) of a table no procedure, function or trigger of the workspace writes (a settings table kept by hand or by deployment scripts) is information: a one-row read cannot skip or repeat rows, and only a change made outside the pipeline could be read uncommitted. " +
            "So is a statement whose every dirty read is of a table named as reference data (a word of its name is code, codeset, lookup, lkp, ref, reference, metadata, config, configuration or setting: `Ref.CountryCode`, `code_value_general`, `ui_metadata`) that no procedure, function or trigger of the workspace writes (nor, for a view, any table under it; deployment and onboarding scripts that seed or backfill it do not count, they do not run beside the loads): no load of the pipeline changes it, and a code list edited while loads run is rare. A reference table a procedure of the workspace loads, or a view over one, keeps the warning. " +
            "The rule is about loads, whose written data would come from a dirty read: in a procedure that writes no table and calls only procedures that write nothing either, in its file or elsewhere in the workspace, and runs no dynamic SQL (a log reader, a report) the risk is a wrong answer, not corrupted data, so there it is information, not a warning.",
            Bad: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    INSERT INTO Fact.Sales ([Order ID], [Customer Key], Amount)\n    SELECT o.[Order ID], c.[Customer Key], o.Amount\n    FROM Staging.Orders AS o WITH (NOLOCK)\n    JOIN Dim.Customer AS c WITH (NOLOCK, INDEX(IX_Customer_Code)) ON c.[Customer Code] = o.[Customer Code];\nEND",
            Good: "CREATE PROCEDURE Etl.LoadFactSales AS\nBEGIN\n    INSERT INTO Fact.Sales ([Order ID], [Customer Key], Amount)\n    SELECT o.[Order ID], c.[Customer Key], o.Amount\n    FROM Staging.Orders AS o\n    JOIN Dim.Customer AS c WITH (INDEX(IX_Customer_Code)) ON c.[Customer Code] = o.[Customer Code];\nEND"));

    private static bool IsDirty(TableHint h) => h.HintKind is TableHintKind.NoLock or TableHintKind.ReadUncommitted;

    public override void Check(RuleContext context)
    {
        var index = context.Index;
        var transformations = new TransformationLookup(context);
        if (index.OfType<TableHint>().Any(IsDirty))
        {
            // One finding per statement: a load that joins twenty tables WITH (NOLOCK) is one decision to
            // make, not twenty. It sits on the first hint and names every table; its fix removes them all.
            var statements = index.OfType<TSqlStatement>();
            var byStatement = new List<(TSqlStatement? Statement, List<NamedTableReference> Tables, TransformationAnalysis Owner)>();
            var modified = ModifiedInFrom(index);
            foreach (var t in index.OfType<NamedTableReference>())
            {
                if (t.TableHints.Count == 0 || !t.TableHints.Any(IsDirty) || t.SchemaObject?.BaseIdentifier is null || modified.Contains(t)) continue;
                var name = DdlReader.NameOf(t.SchemaObject);
                if (name.IsLocal || SystemCatalogNames.IsSystemCatalog(t.SchemaObject) || transformations.At(t) is not { } owner) continue;
                var statement = Innermost(statements, t, s => s is not (BeginEndBlockStatement or IfStatement or WhileStatement or TryCatchStatement
                    or ProcedureStatementBodyBase or FunctionStatementBody or TriggerStatementBody or ViewStatementBody));
                if (byStatement.Count > 0 && statement is not null && ReferenceEquals(byStatement[^1].Statement, statement)) byStatement[^1].Tables.Add(t);
                else byStatement.Add((statement, new List<NamedTableReference> { t }, owner));
            }
            foreach (var (_, tables, owner) in byStatement)
            {
                var elsewhere = new List<QualifiedName>();
                ReportHints(context, tables, WritesNothing(context, owner, elsewhere), elsewhere);
            }
        }

        foreach (var s in index.OfType<SetTransactionIsolationLevelStatement>())
        {
            if (s.Level != IsolationLevel.ReadUncommitted || transformations.At(s) is not { } t || !ReadsAfter(index, t, s)) continue;
            var text = context.TextOf(s);
            var m = Regex.Match(text, @"READ\s+UNCOMMITTED", RegexOptions.IgnoreCase);
            var fixes = m.Success
                ? new[] { context.Fix("Use READ COMMITTED", context.Replace(s.StartOffset + m.Index, s.StartOffset + m.Index + m.Length, "READ COMMITTED")) }
                : null;
            var elsewhere = new List<QualifiedName>();
            bool readOnly = WritesNothing(context, t, elsewhere);
            context.Report(s, readOnly ? SetReadOnlyMessage : SetLoadMessage,
                readOnly ? Severity.Information : Severity.Error, CalleesEvidence(elsewhere), fixes);
        }
    }

    /// <summary>
    /// The FROM-clause tables an UPDATE or DELETE modifies (`UPDATE t ... FROM dbo.Summary AS t WITH (NOLOCK)`, and
    /// `UPDATE dbo.Summary ... FROM #s JOIN dbo.Summary AS Summary WITH (NOLOCK)`, its only reference there):
    /// SQL Server ignores NOLOCK and READUNCOMMITTED on the table a statement modifies and locks the rows
    /// it changes, so a hint there reads nothing dirty.
    /// </summary>
    private static HashSet<NamedTableReference> ModifiedInFrom(SyntaxIndex index)
    {
        var set = new HashSet<NamedTableReference>();
        foreach (var spec in index.OfType<UpdateSpecification>().Cast<UpdateDeleteSpecificationBase>().Concat(index.OfType<DeleteSpecification>()))
        {
            if (TargetSource(spec)?.Reference is NamedTableReference named) set.Add(named);
        }
        return set;
    }

    private const string SetLoadMessage = "READ UNCOMMITTED makes every read that follows a dirty read (NOLOCK on every table): the load can pick up rolled-back rows and skip or double-read moving ones. Use READ COMMITTED, with READ_COMMITTED_SNAPSHOT on the database if readers must not block writers.";
    private const string SetReadOnlyMessage = "READ UNCOMMITTED makes every read that follows a dirty read (NOLOCK on every table). This procedure writes no table, so no loaded data is at stake, but what it returns can include rolled-back rows and skip or double-count moving ones. Use READ COMMITTED, with READ_COMMITTED_SNAPSHOT on the database if readers must not block writers.";
    private const string LoadRisk = "the load can pick up rows that are later rolled back, and skip or double-read rows moved by page splits";
    private const string ReadOnlyRisk = "this procedure writes no table, so no loaded data is at stake, but what it returns can include rows that are later rolled back and skip or double-count rows moved by page splits";

    private static Dictionary<string, object?>? CalleesEvidence(List<QualifiedName> elsewhere) =>
        elsewhere.Count == 0 ? null : new Dictionary<string, object?> { [CalleesEvidenceKey] = elsewhere.Distinct().OrderBy(n => n).ToList() };

    private static void ReportHints(RuleContext context, List<NamedTableReference> tables, bool readOnly, List<QualifiedName> elsewhere)
    {
        var first = tables[0].TableHints.First(IsDirty);
        var hint = first.HintKind == TableHintKind.NoLock ? "NOLOCK" : "READUNCOMMITTED";
        var fixes = tables.Select(t => RemoveHints(context, t)).ToList();
        Fix[]? fix = fixes.Any(f => f is null) ? null
            : new[] { fixes.Count == 1 ? fixes[0]! : context.Fix($"Remove the dirty-read hints ({fixes.Count} tables)", fixes.SelectMany(f => f!.Edits).ToArray()) };
        var names = tables.Select(t => context.TextOf(t.SchemaObject)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var what = names.Count == 1 ? $"{hint} on {names[0]}" : $"Dirty-read hints on {string.Join(", ", names)}";
        var evidence = new Dictionary<string, object?>
        {
            [TablesEvidenceKey] = tables.Select(t => DdlReader.NameOf(t.SchemaObject)).Distinct().ToList(),
            [NamesEvidenceKey] = names,
        };
        if (!readOnly && tables.All(t => KeyLookup.IsPointLookup(context, t))) evidence[PointLookupEvidenceKey] = true;
        if (!readOnly && elsewhere.Count > 0) evidence[CalleesEvidenceKey] = elsewhere.Distinct().OrderBy(n => n).ToList();
        var risk = readOnly ? ReadOnlyRisk : LoadRisk;
        context.Report(first,
            $"{what} read{(names.Count == 1 ? "s" : "")} uncommitted data: {risk}. Remove the hint{(names.Count == 1 ? "" : "s")}; if blocking is the concern, enable READ_COMMITTED_SNAPSHOT on the source database.",
            readOnly ? Severity.Information : Severity.Error, evidence, fix,
            tables.Count == 1 ? null : tables.Skip(1).Select(t => context.Related(context.Document.LocationOf(t.TableHints.First(IsDirty)), $"the hint on {context.TextOf(t.SchemaObject)}")).ToList());
    }

    /// <summary>
    /// A procedure that writes no table (temporary ones aside) and calls only procedures of the same file
    /// that write nothing either (any other callee, or dynamic SQL, could write what it read): a log reader
    /// or a report, where a dirty read gives a wrong answer but corrupts no loaded data. Views and
    /// functions feed loads, so they are not counted here. When the only obstacle is a call of a procedure
    /// of another file, those callees are collected in <paramref name="elsewhere"/>: whether they write is
    /// known once the whole workspace is scanned (<see cref="AsReadOnlyAcrossFiles"/>).
    /// </summary>
    private static bool WritesNothing(RuleContext context, TransformationAnalysis t, List<QualifiedName> elsewhere, HashSet<string>? visiting = null)
    {
        if (t.Transformation.Kind != TransformationKind.Procedure || t.Transformation.Writes.Count > 0) { elsewhere.Clear(); return false; }
        visiting ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!visiting.Add(t.Transformation.Name)) return true; // recursion: decided by the rest of the cycle
        var body = t.Transformation.BodyRange;
        bool readOnly = true;
        foreach (var e in context.Index.OfType<ExecuteStatement>())
        {
            if (!body.Contains(e.StartOffset)) continue;
            if (e.ExecuteSpecification?.ExecutableEntity is not ExecutableProcedureReference { ProcedureReference.ProcedureReference.Name: { } name }) { elsewhere.Clear(); return false; }
            var calleeName = DdlReader.NameOf(name);
            var callee = calleeName.ToString();
            var local = context.Transformations.FirstOrDefault(u => u.Transformation.Kind == TransformationKind.Procedure
                && QualifiedName.TryParse(u.Transformation.Name, out var n) && string.Equals(n.ToString(), callee, StringComparison.OrdinalIgnoreCase));
            if (local is null)
            {
                // a system procedure, or one of another file: decided at workspace level
                if (calleeName.Database is not null) { elsewhere.Clear(); return false; }
                elsewhere.Add(calleeName);
                readOnly = false;
                continue;
            }
            if (!WritesNothing(context, local, elsewhere, visiting)) { if (elsewhere.Count == 0) return false; readOnly = false; }
        }
        return readOnly;
    }

    /// <summary>The evidence key listing the procedures of other files a finding's procedure calls (and nothing else that could write).</summary>
    public const string CalleesEvidenceKey = "calleesElsewhere";

    /// <summary>
    /// A finding in a procedure that writes nothing itself and calls only procedures of other files, as
    /// information with the read-only wording when every one of them writes nothing either (the workspace's
    /// call graph, <paramref name="writesNothing"/>); null when it does not apply. Known only once the whole
    /// workspace is scanned.
    /// </summary>
    public static Finding? AsReadOnlyAcrossFiles(Finding finding, Func<QualifiedName, bool> writesNothing)
    {
        if (finding.RuleId != "ETL0010" || finding.Severity == Severity.Information || finding.Evidence is not { } e ||
            !e.TryGetValue(CalleesEvidenceKey, out var v) || v is not IReadOnlyList<QualifiedName> { Count: > 0 } callees ||
            !callees.All(writesNothing)) return null;
        var message = finding.Message == SetLoadMessage ? SetReadOnlyMessage : finding.Message.Replace(LoadRisk, ReadOnlyRisk, StringComparison.Ordinal);
        return finding with { Severity = Severity.Information, Message = message };
    }

    /// <summary>The evidence key listing the tables a hint finding reads dirty.</summary>
    public const string TablesEvidenceKey = "dirtyTables";

    /// <summary>Evidence key: the dirty-read tables' names as written (`nbs_srte.dbo.Code_value`), database part kept, for messages.</summary>
    public const string NamesEvidenceKey = "dirtyTableNames";

    /// <summary>The names as the code writes them, for a message; the schema-qualified ones when the finding has none.</summary>
    private static string Names(IReadOnlyDictionary<string, object?> evidence, IReadOnlyList<QualifiedName> tables) =>
        evidence.TryGetValue(NamesEvidenceKey, out var n) && n is IReadOnlyList<string> { Count: > 0 } written
            ? string.Join(", ", written)
            : string.Join(", ", tables);

    /// <summary>
    /// Tables filled only by the script that defines them (a date dimension or code table created
    /// and seeded in one deployment file) and written by nothing else: reference data no load changes,
    /// so no load can read it dirty. A table another script also fills (an onboarding backfill of data
    /// a service keeps writing) is not. Known only once the whole workspace is scanned.
    /// </summary>
    public static IReadOnlySet<QualifiedName> SeededOnly(IEnumerable<Transformation> transformations, SchemaCatalog catalog)
    {
        var seeded = new HashSet<QualifiedName>();
        var other = new HashSet<QualifiedName>();
        foreach (var t in transformations)
            foreach (var table in t.Writes)
            {
                bool ownFile = t.Kind == TransformationKind.Script && catalog.Find(table)?.Location?.File == t.File;
                (ownFile ? seeded : other).Add(table);
            }
        seeded.ExceptWith(other);
        return seeded;
    }

    /// <summary>The evidence key set when every table a hint finding reads dirty is read by a point lookup on one of its keys.</summary>
    public const string PointLookupEvidenceKey = "pointLookup";

    /// <summary>Tables some procedure, function or trigger of the workspace writes (scripts aside: deployment and seed data).</summary>
    public static IReadOnlySet<QualifiedName> WrittenByModules(IEnumerable<Transformation> transformations) =>
        transformations.Where(t => t.Kind != TransformationKind.Script).SelectMany(t => t.Writes).ToHashSet();

    /// <summary>
    /// A hint finding whose every table is read by a point lookup on one of its keys (at most one row) and
    /// written by no procedure, function or trigger of the workspace (a settings or code table kept by hand
    /// or by deployment scripts): no page split can make a one-row read skip or repeat rows, and no load's
    /// uncommitted rows can be read, only an outside edit. Information, not a warning; null when it does not apply.
    /// Known only once the whole workspace is scanned.
    /// </summary>
    public static Finding? AsUnwrittenKeyLookup(Finding finding, IReadOnlySet<QualifiedName> writtenByModules)
    {
        if (finding.RuleId != "ETL0010" || finding.Severity == Severity.Information || finding.Evidence is not { } e ||
            !e.TryGetValue(PointLookupEvidenceKey, out var point) || point is not true ||
            !e.TryGetValue(TablesEvidenceKey, out var v) || v is not IReadOnlyList<QualifiedName> { Count: > 0 } tables ||
            tables.Any(writtenByModules.Contains)) return null;
        var names = Names(e, tables);
        return finding with
        {
            Severity = Severity.Information,
            Message = $"The dirty read of {names} reads at most one row, found by a key, of a table no procedure, function or trigger in the workspace writes: " +
                      "no page split can make it skip or repeat rows, and no load's uncommitted rows can be read, only a change made outside the pipeline (an edit by hand, a deployment) before it is committed or rolled back. " +
                      "Remove the hint anyway: it saves nothing on a one-row read.",
        };
    }

    /// <summary>
    /// <paramref name="written"/> and the views that read one of them, directly or through other views: a view
    /// over a table a load writes shows that load's uncommitted rows to a dirty read as much as the table does.
    /// </summary>
    public static IReadOnlySet<QualifiedName> WithViewsOver(IReadOnlySet<QualifiedName> written, IEnumerable<Transformation> transformations)
    {
        var result = written.ToHashSet();
        var views = transformations.Where(t => t.Kind == TransformationKind.View && QualifiedName.TryParse(t.Name, out _)).ToList();
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var v in views)
                if (v.Reads.Any(result.Contains) && result.Add(QualifiedName.Parse(v.Name))) grew = true;
        }
        return result;
    }

    /// <summary>
    /// A hint finding whose every table is named as reference data (<see cref="ReferenceTableNames"/>: a code list,
    /// lookup, metadata or settings table) and written by no procedure, function or trigger of the workspace: no load
    /// of the pipeline changes what it reads, so only an edit made outside it (a deployment, a hand edit) could be read
    /// uncommitted. Information, not a warning; null when it does not apply. Known only once the whole workspace is scanned.
    /// </summary>
    public static Finding? AsUnwrittenReferenceRead(Finding finding, IReadOnlySet<QualifiedName> writtenByModules)
    {
        if (finding.RuleId != "ETL0010" || finding.Severity == Severity.Information || finding.Evidence is not { } e ||
            !e.TryGetValue(TablesEvidenceKey, out var v) || v is not IReadOnlyList<QualifiedName> { Count: > 0 } tables ||
            tables.Any(writtenByModules.Contains) || !tables.All(ReferenceTableNames.IsReference)) return null;
        var names = Names(e, tables);
        return finding with
        {
            Severity = Severity.Information,
            Message = $"The dirty read of {names} reads only what the name{(tables.Count == 1 ? "" : "s")} mark{(tables.Count == 1 ? "s" : "")} as reference data (codes, lookups, metadata, settings), " +
                      "which no procedure, function or trigger in the workspace writes (scripts may seed or backfill it): no load's uncommitted rows can be read, only a change made outside the pipeline's procedures (a deployment, a replication or service that keeps the table, an edit by hand) while it runs. " +
                      "If something else loads these tables during the pipeline's runs, a dirty read can pick up rolled-back rows and skip or repeat moved ones; remove the hint then.",
        };
    }

    /// <summary>Whether an ETL0010 hint finding reads dirty only tables in <paramref name="seeded"/>.</summary>
    public static bool ReadsOnly(Finding finding, IReadOnlySet<QualifiedName> seeded) =>
        finding.RuleId == "ETL0010" && finding.Evidence is { } e && e.TryGetValue(TablesEvidenceKey, out var v) &&
        v is IReadOnlyList<QualifiedName> { Count: > 0 } tables && tables.All(seeded.Contains);

    /// <summary>
    /// Whether the level can matter: a table read after the SET in the same module, or a call or
    /// dynamic SQL there (they run at the caller's level). A procedure that reads nothing reads nothing dirty.
    /// </summary>
    private static bool ReadsAfter(SyntaxIndex index, TransformationAnalysis t, SetTransactionIsolationLevelStatement s)
    {
        var body = t.Transformation.BodyRange;
        bool After(TSqlFragment f) => f.StartOffset > s.StartOffset && body.Contains(f.StartOffset);
        if (index.OfType<ExecuteStatement>().Any(After)) return true;
        var reads = t.Transformation.Reads.ToHashSet();
        return index.OfType<NamedTableReference>().Any(r => After(r) && r.SchemaObject?.BaseIdentifier is not null && reads.Contains(DdlReader.NameOf(r.SchemaObject)))
            || index.OfType<SchemaObjectFunctionTableReference>().Any(r => After(r) && reads.Contains(DdlReader.NameOf(r.SchemaObject)));
    }

    private static Fix? RemoveHints(RuleContext context, NamedTableReference t)
    {
        var hints = t.TableHints;
        var kept = hints.Where(h => !IsDirty(h)).ToList();
        var title = "Remove the dirty-read hint";
        if (kept.Count > 0)
            return context.Fix(title, context.Replace(hints[0].StartOffset, End(hints[^1]), string.Join(", ", kept.Select(context.TextOf))));

        // Nothing left: remove "WITH (...)" (or the old-style "(...)") with the whitespace before it.
        var tokens = t.ScriptTokenStream;
        if (tokens is null || hints[0].FirstTokenIndex < 0) return null;
        int open = PreviousToken(tokens, hints[0].FirstTokenIndex);
        int close = NextToken(tokens, hints[^1].LastTokenIndex);
        if (open < 0 || close < 0 || tokens[open].TokenType != TSqlTokenType.LeftParenthesis || tokens[close].TokenType != TSqlTokenType.RightParenthesis) return null;
        int with = PreviousToken(tokens, open);
        int start = with >= 0 && tokens[with].TokenType == TSqlTokenType.With ? tokens[with].Offset : tokens[open].Offset;
        start = SkipWhitespaceBack(context.Document.Text, start);
        return context.Fix(title, context.Replace(start, TokenEnd(tokens[close]), ""));
    }
}
