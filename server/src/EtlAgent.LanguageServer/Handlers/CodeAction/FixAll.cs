using EtlAgent.Core.WorkspaceModel;
using EtlAgent.Core.Agent;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;

namespace EtlAgent.LanguageServer.Handlers.CodeAction;

/// <summary>Every finding's first fix in a document, as one edit; a fix overlapping an earlier one waits for the next round.</summary>
public static class FixAll
{
    public static WorkspaceEdit Edit(WorkspaceSnapshot snapshot, string path, WorkspacePaths paths, out int fixes)
    {
        var edits = new List<Core.Model.TextEdit>();
        fixes = 0;
        foreach (var finding in snapshot.FindingsFor(path))
        {
            if (finding.Fixes.Count == 0) continue;
            var candidate = finding.Fixes[0].Edits;
            if (candidate.Any(e => edits.Any(x => x.File == e.File && Overlaps(x.Range, e.Range)))) continue;
            edits.AddRange(candidate);
            fixes++;
        }
        return LspConvert.WorkspaceEdit(edits, paths);
    }

    private static bool Overlaps(Core.Model.TextRange a, Core.Model.TextRange b) =>
        a.StartOffset < b.EndOffset && b.StartOffset < a.EndOffset || a.StartOffset == b.StartOffset;
}
