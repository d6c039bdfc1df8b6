using System.Text;
using EtlAgent.Core.Rules;

namespace EtlAgent.Core.Reporting;

/// <summary>Renders a rule's doc page (docs/rules/ETLnnnn.md and SARIF help) from its descriptor.</summary>
public static class RuleDocs
{
    public static string Markdown(RuleDescriptor d)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {d.Id} — {d.Title}");
        sb.AppendLine();
        sb.AppendLine($"Category: {d.Category} · Default severity: {d.DefaultSeverity.ToString().ToLowerInvariant()} · Name: `{d.Name}`");
        sb.AppendLine();
        sb.AppendLine(d.Doc.Summary);
        sb.AppendLine();
        if (d.Doc.Schema is not null)
        {
            sb.AppendLine("Schema used by the examples:");
            sb.AppendLine();
            Code(sb, d.Doc.Schema, "sql");
        }
        sb.AppendLine("## Bad");
        sb.AppendLine();
        Code(sb, d.Doc.Bad, d.Doc.Language);
        sb.AppendLine("## Good");
        sb.AppendLine();
        Code(sb, d.Doc.Good, d.Doc.Language);
        if (d.Doc.Fixed is not null && d.Doc.Fixed != d.Doc.Good)
        {
            sb.AppendLine("## After the quick fix");
            sb.AppendLine();
            Code(sb, d.Doc.Fixed, d.Doc.Language);
        }
        return sb.ToString();
    }

    private static void Code(StringBuilder sb, string sql, string language)
    {
        sb.AppendLine("```" + language);
        sb.AppendLine(sql.TrimEnd());
        sb.AppendLine("```");
        sb.AppendLine();
    }
}
