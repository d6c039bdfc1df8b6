using System.Text;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Discovery;
using EtlAgent.Core.Model;
using EtlAgent.Core.Workspace;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Impact;

/// <summary>What a definition is: a table (CREATE/ALTER TABLE, its indexes), code (procedure, view, function) or a script file.</summary>
public enum DefinitionKind { Table, Code, Script }

/// <summary>
/// The objects one SQL file defines, each with its definition as tokens — comments and white
/// space left out, so reformatting or a comment is not a change — plus what the code writes.
/// Two versions of a file are compared object by object: only an object whose tokens differ changed.
/// </summary>
public sealed class ObjectDefinitions
{
    private readonly Dictionary<(DefinitionKind, string), StringBuilder> _tokens = new();

    /// <summary>Tables each code object writes (for its downstream readers), by object name.</summary>
    public Dictionary<string, IReadOnlyList<QualifiedName>> Writes { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Each object once (names compared case-insensitively, as T-SQL does), as first spelled; scripts by path.</summary>
    public IEnumerable<(DefinitionKind Kind, string Name)> Objects => _tokens.Keys.Select(k => (k.Item1, _names[k]));

    public string? Tokens(DefinitionKind kind, string name) => _tokens.TryGetValue((kind, Key(kind, name)), out var sb) ? sb.ToString() : null;

    private readonly Dictionary<(DefinitionKind, string), string> _names = new();

    /// <summary>Reads the definitions of a file's text (an unparsable batch contributes what parses).</summary>
    public static ObjectDefinitions Of(string path, string text, WorkspaceSettings settings)
    {
        var result = new ObjectDefinitions();
        if (SourceKinds.Default.For(path) is not { } kind) return result;
        var facts = kind.Scan(path, text, settings);
        foreach (var t in facts.Transformations.Where(t => t.Kind != TransformationKind.Script))
            result.Writes[t.Name] = t.Writes;
        var script = facts.Transformations.FirstOrDefault(t => t.Kind == TransformationKind.Script);
        if (script is not null) result.Writes[script.Name] = script.Writes;
        foreach (var statement in DocumentScanner.TopLevelStatements(facts.Document))
        {
            var (k, name) = statement switch
            {
                CreateTableStatement c => (DefinitionKind.Table, DdlReader.NameOf(c.SchemaObjectName).ToString()),
                AlterTableStatement a => (DefinitionKind.Table, DdlReader.NameOf(a.SchemaObjectName).ToString()),
                CreateIndexStatement i => (DefinitionKind.Table, DdlReader.NameOf(i.OnName).ToString()),
                ProcedureStatementBody p => (DefinitionKind.Code, DdlReader.NameOf(p.ProcedureReference.Name).ToString()),
                ViewStatementBody v => (DefinitionKind.Code, DdlReader.NameOf(v.SchemaObjectName).ToString()),
                FunctionStatementBody f => (DefinitionKind.Code, DdlReader.NameOf(f.Name).ToString()),
                // the rest of a script file is the script transformation (named by its path)
                _ => (DefinitionKind.Script, path),
            };
            result.Add(k, name, statement);
        }
        return result;
    }

    private void Add(DefinitionKind kind, string name, TSqlFragment fragment)
    {
        var key = (kind, Key(kind, name));
        if (!_tokens.TryGetValue(key, out var sb)) { _tokens[key] = sb = new StringBuilder(); _names[key] = name; }
        var stream = fragment.ScriptTokenStream;
        if (stream is null) return;
        for (int i = fragment.FirstTokenIndex; i <= fragment.LastTokenIndex && i < stream.Count; i++)
        {
            var token = stream[i];
            if (token.TokenType is TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment) continue;
            sb.Append(token.Text).Append(' ');
        }
        sb.Append(";\n");
    }

    private static string Key(DefinitionKind kind, string name) => kind == DefinitionKind.Script ? name : name.ToUpperInvariant();
}
