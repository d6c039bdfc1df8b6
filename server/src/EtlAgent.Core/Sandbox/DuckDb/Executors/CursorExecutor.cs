using EtlAgent.Core.Translation;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Sandbox.DuckDb;

internal sealed partial class Interpreter
{
    /// <summary>
    /// Cursors (LOCAL, FETCH NEXT only): OPEN runs the query once and keeps its rows; FETCH hands
    /// them out one at a time and sets @@FETCH_STATUS.
    /// </summary>
    private sealed class CursorExecutor(Interpreter host)
    {
        public Flow Declare(DeclareCursorStatement dc)
        {
            host._frame.Cursors[dc.Name.Value] = new Cursor
            {
                Select = dc.CursorDefinition.Select,
                Static = dc.CursorDefinition.Options.Any(o => o.OptionKind is CursorOptionKind.Static or CursorOptionKind.Keyset or CursorOptionKind.Insensitive),
                Local = dc.CursorDefinition.Options.Any(o => o.OptionKind == CursorOptionKind.Local),
            };
            return Flow.Normal;
        }

        public Flow Open(OpenCursorStatement oc)
        {
            var c = CursorOf(oc.Cursor, oc);
            var t = host.Translator();
            var sql = t.Select(c.Select, out _);
            c.Rows = host.Query(sql).Rows;
            c.Position = 0;
            return Flow.Normal;
        }

        public Flow Fetch(FetchCursorStatement fc)
        {
            if (fc.FetchType is { Orientation: not (FetchOrientation.Next or FetchOrientation.None) }) throw host.Unsupported("FETCH " + fc.FetchType.Orientation, fc);
            var c = CursorOf(fc.Cursor, fc);
            if (c.Rows is null) throw new SandboxRuntimeError(16917, "Cursor is not open.");
            if (c.Position >= c.Rows.Count) { host._fetchStatus = -1; return Flow.Normal; }
            var row = c.Rows[c.Position++];
            for (int i = 0; i < fc.IntoVariables.Count; i++) host.Assign(fc.IntoVariables[i].Name, row[i], fc);
            host._fetchStatus = 0;
            return Flow.Normal;
        }

        public Flow Close(CloseCursorStatement cc)
        {
            CursorOf(cc.Cursor, cc).Rows = null;
            return Flow.Normal;
        }

        public Flow Deallocate(DeallocateCursorStatement dc)
        {
            host._frame.Cursors.Remove(dc.Cursor.Name.Value);
            return Flow.Normal;
        }

        private Cursor CursorOf(CursorId id, TSqlFragment at)
        {
            if (id.IsGlobal) throw host.Unsupported("GLOBAL cursor", at);
            var name = id.Name.Value;
            for (var f = host._frame; f is not null; f = f.Caller)
                if (f.Cursors.TryGetValue(name, out var c)) return c;
            throw new SandboxRuntimeError(16916, $"A cursor with the name '{name}' does not exist.");
        }
    }
}
