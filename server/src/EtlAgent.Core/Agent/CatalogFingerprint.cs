using System.Text;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Reporting;

namespace EtlAgent.Core.Agent;

/// <summary>
/// Content fingerprints that tell the incremental session whether an edit touched the catalog:
/// a document's DDL (tables, sequences, views, functions) and a catalog entry's full shape.
/// Locations are part of a fingerprint: rules point at column definitions in related locations.
/// </summary>
public static class CatalogFingerprint
{
    /// <summary>Everything a document contributes to the catalog, as one comparable string.</summary>
    public static string OfDocument(DocumentFacts facts)
    {
        if (facts.Tables.Count == 0 && facts.Sequences.Count == 0 && facts.Views.Count == 0 && facts.Functions.Count == 0)
            return "";
        var sb = new StringBuilder();
        foreach (var t in facts.Tables) sb.Append("T:").Append(Of(t)).Append('\n');
        foreach (var s in facts.Sequences) sb.Append("S:").Append(s).Append('\n');
        foreach (var v in facts.Views) sb.Append("V:").Append(v.StartOffset).Append(':').Append(facts.Document.TextOf(v)).Append('\n');
        foreach (var f in facts.Functions) sb.Append("F:").Append(f.StartOffset).Append(':').Append(facts.Document.TextOf(f)).Append('\n');
        return sb.ToString();
    }

    /// <summary>A catalog entry's full shape, location included.</summary>
    public static string Of(TableDef t)
    {
        var sb = new StringBuilder(DiscoveryReport.Serialize(DiscoveryReport.Table(t), indented: false));
        sb.Append('@').Append(t.Location?.Range.StartOffset);
        foreach (var c in t.Columns) sb.Append(',').Append(c.Location?.Range.StartOffset);
        return sb.ToString();
    }

    /// <summary>Names whose definition differs between two catalogs (added, removed or changed).</summary>
    public static HashSet<QualifiedName> Changed(SchemaCatalog before, SchemaCatalog after)
    {
        var changed = new HashSet<QualifiedName>();
        foreach (var t in after.All)
        {
            var old = before.Find(t.Name);
            if (old is null || (!ReferenceEquals(old, t) && Of(old) != Of(t))) changed.Add(t.Name);
        }
        foreach (var t in before.All)
            if (!after.Contains(t.Name)) changed.Add(t.Name);
        foreach (var s in after.Sequences)
            if (before.FindSequence(s.Name) is not { } old || old != s) changed.Add(s.Name);
        foreach (var s in before.Sequences)
            if (after.FindSequence(s.Name) is null) changed.Add(s.Name);
        return changed;
    }
}
