using System.Text.Json.Nodes;
using EtlAgent.LanguageServer.Server;

namespace EtlAgent.LanguageServer.Handlers.Commands;

/// <summary>
/// The transformation a command is about: named by a lens or code action ([name]), or where the
/// user's cursor is when a menu or palette runs the command ([document URI, 0-based line]; see
/// CommandDescriptor.Cursor): the one whose CREATE..body span holds the line, or the file's only one.
/// </summary>
public static class CommandTarget
{
    public static string? TransformationName(ServerContext server, JsonArray arguments)
    {
        var first = ServerCommands.StringArg(arguments, 0);
        if (first is null) return null;
        if (!first.Contains("://", StringComparison.Ordinal)) return first;
        int line = arguments.Count > 1 && arguments[1] is JsonValue v && v.TryGetValue<int>(out var l) ? l : 0;
        var path = server.Paths.ToPath(first);
        var all = server.Session.Current.TransformationsIn(path);
        var around = all.FirstOrDefault(t => t.Transformation.HeaderRange.Start.Line <= line && line <= t.Transformation.BodyRange.End.Line)
            ?? (all.Count == 1 ? all[0] : null);
        return around?.Transformation.Name;
    }
}
