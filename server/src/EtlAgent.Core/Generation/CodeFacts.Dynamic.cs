using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Rules;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

public sealed partial class CodeFacts
{
    /// <summary>The statements of the dynamic SQL each transformation runs with a text the code shows, as parsed.</summary>
    private readonly Dictionary<TransformationAnalysis, List<TSqlFragment>> _dynamic = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// The tables dynamic SQL whose text the code shows reads and writes (`EXEC sp_executesql N'INSERT … FROM Stg.T'`):
    /// they need rows like the body's own, or every input leaves the copy nothing to do. A name built from a
    /// run-time part (`'FROM dbo.' + @table`) is not known and is left out. The statements are kept for the column facts.
    /// </summary>
    private static void DynamicAccess(CodeFacts facts, TransformationAnalysis t)
    {
        if (!t.HasSyntax || t.Syntax.Definition is null) return;
        foreach (var d in DynamicSqlText.Of(new SyntaxIndex(t.Syntax.Definition), SqlParser.DefaultCompatibilityLevel))
        {
            var runTime = d.Index.OfType<NamedTableReference>().Where(n => !d.IsConstant(n)).Select(n => DdlReader.ReferenceOf(n.SchemaObject)).ToHashSet();
            var statements = d.Tree is TSqlScript script ? script.Batches.SelectMany(b => b.Statements).Cast<TSqlFragment>() : new[] { d.Tree };
            if (!facts._dynamic.TryGetValue(t, out var list)) facts._dynamic[t] = list = new();
            list.AddRange(statements);
            var access = TableAccessCollector.Collect(statements);
            foreach (var r in access.Reads) if (!runTime.Contains(r)) facts.Reads.Add(r);
            foreach (var w in access.Writes) if (!runTime.Contains(w)) facts.Writes.Add(w);
            foreach (var insert in d.Index.OfType<InsertSpecification>())
                if (insert.Target is NamedTableReference n && d.IsConstant(n)) facts.Inserted.Add(DdlReader.ReferenceOf(n.SchemaObject));
        }
    }
}
