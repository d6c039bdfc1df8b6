using System.Text;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;

namespace EtlAgent.Core.WorkspaceModel;

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
        if (facts.Tables.Count == 0 && facts.Sequences.Count == 0 && facts.Views.Count == 0 && facts.Functions.Count == 0 && facts.Synonyms.Count == 0 && facts.AddedColumns.Count == 0 && facts.AlteredColumns.Count == 0
            && facts.GuardedTables.Count == 0 && facts.GuardedSequences.Count == 0 && facts.ColumnRenames.Count == 0)
            return "";
        var sb = new StringBuilder();
        foreach (var t in facts.Tables) sb.Append("T:").Append(Of(t)).Append('\n');
        foreach (var s in facts.Sequences) sb.Append("S:").Append(s).Append('\n');
        foreach (var t in facts.GuardedTables) sb.Append("GT:").Append(Of(t)).Append('\n');
        foreach (var s in facts.GuardedSequences) sb.Append("GS:").Append(s).Append('\n');
        foreach (var r in facts.ColumnRenames) sb.Append("R:").Append(r.Table).Append('.').Append(r.From).Append('>').Append(r.To).Append('\n');
        foreach (var s in facts.Synonyms) sb.Append("Y:").Append(s).Append('\n');
        foreach (var a in facts.AddedColumns) sb.Append("A:").Append(Of(a)).Append('\n');
        foreach (var a in facts.AlteredColumns) sb.Append("AC:").Append(Of(a)).Append('\n');
        foreach (var d in facts.AddedDefaults) sb.Append("D:").Append(d.Table).Append('.').Append(d.Column).Append('=').Append(d.Expression).Append('\n');
        foreach (var v in facts.Views) sb.Append("V:").Append(v.StartOffset).Append(':').Append(facts.Document.TextOf(v)).Append('\n');
        foreach (var f in facts.Functions) sb.Append("F:").Append(f.StartOffset).Append(':').Append(facts.Document.TextOf(f)).Append('\n');
        return sb.ToString();
    }

    /// <summary>A catalog entry's full shape, location included.</summary>
    public static string Of(TableDef t)
    {
        // Every property a rule, the sandbox or the generator reads: the same shape the discovery report prints.
        var sb = new StringBuilder();
        sb.Append(t.Name).Append('|').Append(t.Kind).Append('|').Append(t.Location?.File);
        foreach (var c in t.Columns)
            sb.Append("|c:").Append(c.Name).Append(' ').Append(c.Type).Append(' ').Append(c.Nullable).Append(' ').Append(c.Identity).Append(c.IdentitySeed).Append(c.IdentityIncrement)
              .Append(" d=").Append(c.Default).Append(" x=").Append(c.Computed).Append(" s=").Append(c.Sequence);
        sb.Append("|pk:").AppendJoin(',', t.PrimaryKey?.Columns ?? Array.Empty<string>());
        foreach (var u in t.UniqueKeys) sb.Append("|uq:").AppendJoin(',', u.Columns);
        foreach (var fk in t.ForeignKeys)
            sb.Append("|fk:").Append(fk.Name).Append(' ').AppendJoin(',', fk.Columns).Append("->").Append(fk.ReferencedTable).Append(' ').AppendJoin(',', fk.ReferencedColumns);
        foreach (var c in t.Checks) sb.Append("|ck:").Append(c.Name).Append(' ').Append(c.Expression);
        if (t.IgnoredOptions is { Count: > 0 } ignored) sb.Append("|ignored:").AppendJoin(',', ignored);
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
