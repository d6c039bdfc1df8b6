using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using static EtlAgent.Core.Translation.SqlText;

namespace EtlAgent.Core.Translation;

/// <summary>
/// FOR XML PATH('') and FOR JSON PATH/AUTO in a scalar subquery, the forms real loads use to build
/// a list (<c>STUFF((SELECT ',' + x … FOR XML PATH('')), 1, 1, '')</c>, the same with
/// <c>, TYPE).value('.', 'nvarchar(max)')</c>) or a JSON document of a row (logging the parameters).
/// The query runs as written; its rows are joined in their order. Other FOR XML/JSON shapes are refused.
/// </summary>
public sealed partial class SqlTranslator
{
    /// <summary>The query whose FOR clause is being translated here (Spec must not refuse it).</summary>
    private QuerySpecification? _forClauseOwner;

    /// <summary>A scalar subquery with FOR XML PATH('') (as text) or FOR JSON: one string, or NULL when it has no rows.</summary>
    private Tx ForClauseSubquery(QuerySpecification qs, Scope scope, bool xmlValue = false)
    {
        switch (qs.ForClause)
        {
            case XmlForClause xml:
            {
                bool type = xml.Options.Any(o => o.OptionKind == XmlForClauseOptions.Type);
                if (xml.Options.Any(o => o.OptionKind is not (XmlForClauseOptions.Path or XmlForClauseOptions.Type))
                    || xml.Options.FirstOrDefault(o => o.OptionKind == XmlForClauseOptions.Path) is not { } path
                    || path.Value is not null && path.Value.Value != "")
                    throw Unsupported("FOR XML other than PATH('')", qs.ForClause);
                // the xml a TYPE query returns is only read here through .value('.', …), its text
                if (type && !xmlValue) throw Unsupported("FOR XML … TYPE whose xml is not read with .value('.', type)", qs.ForClause);
                var (inner, shape) = ForInner(qs, scope);
                var pieces = shape.Select((c, i) =>
                {
                    var name = XmlElementName(qs, i, c.Name);
                    string text = ForText(c.Type, $"\"__c{i}\"", qs.SelectElements[i]);
                    if (!xmlValue) text = $"replace(replace(replace(replace({text}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), chr(13), '&#x0D;')";
                    return xmlValue || name is null ? $"coalesce({text}, '')" : $"coalesce('<{name}>' || {text} || '</{name}>', '')";
                });
                return new Tx(Aggregate(inner, shape.Count, string.Join(" || ", pieces), "''"), NVarMax);
            }
            case JsonForClause json:
            {
                bool wrapperless = false, nulls = false;
                string? root = null;
                foreach (var o in json.Options)
                    switch (o.OptionKind)
                    {
                        case JsonForClauseOptions.Path: break;
                        case JsonForClauseOptions.Auto when qs.FromClause is null || qs.FromClause.TableReferences.All(t => t is NamedTableReference or VariableTableReference): break;
                        case JsonForClauseOptions.WithoutArrayWrapper: wrapperless = true; break;
                        case JsonForClauseOptions.IncludeNullValues: nulls = true; break;
                        case JsonForClauseOptions.Root: root = (o.Value as StringLiteral)?.Value ?? "root"; break;
                        default: throw Unsupported($"FOR JSON {o.OptionKind}", o);
                    }
                var (inner, shape) = ForInner(qs, scope);
                var members = shape.Select((c, i) =>
                {
                    if (c.Name.Length == 0) throw new SandboxRuntimeError(13605, "Column expressions and data sources without names or aliases cannot be formatted as JSON text using FOR JSON clause. Add alias to the unnamed column or table.");
                    if (c.Name.Contains('.')) throw Unsupported($"FOR JSON PATH with the nested name '{c.Name}'", qs.SelectElements[i]);
                    string key = Str(JsonString(c.Name) + ":");
                    string value = JsonValue(c.Type, $"\"__c{i}\"", qs.SelectElements[i]);
                    return $"CASE WHEN \"__c{i}\" IS NULL THEN {(nulls ? Str(JsonString(c.Name) + ":null") : "NULL")} ELSE {key} || {value} END";
                });
                string obj = $"('{{' || concat_ws(',', {string.Join(", ", members)}) || '}}')";
                string sql = Aggregate(inner, shape.Count, obj, "','");
                if (!wrapperless) sql = $"('[' || {sql} || ']')";
                if (root is not null) sql = $"({Str("{" + JsonString(root) + ":")} || {sql} || '}}')";
                return new Tx(sql, NVarMax);
            }
            default:
                throw Unsupported("FOR clause", qs.ForClause);
        }
    }

    /// <summary>The query without its FOR clause, its columns renamed __c0, __c1 … in their order.</summary>
    private (string Sql, IReadOnlyList<ColumnShape> Shape) ForInner(QuerySpecification qs, Scope scope)
    {
        if (qs.SelectElements.Any(e => e is not SelectScalarExpression)) throw Unsupported("FOR XML/JSON of a query with * or assignments", qs);
        var saved = _forClauseOwner;
        _forClauseOwner = qs;
        try
        {
            var sql = Query(qs, new Scope(scope), out var shape);
            return ($"SELECT * FROM ({sql}) AS \"__for\"({string.Join(", ", shape.Select((_, i) => $"\"__c{i}\""))})", shape);
        }
        finally { _forClauseOwner = saved; }
    }

    /// <summary>The rows' pieces joined in the query's order; NULL when it returns no rows.</summary>
    private static string Aggregate(string inner, int columns, string piece, string separator) =>
        $"(SELECT string_agg({piece}, {separator} ORDER BY \"__rn\") FROM (SELECT *, row_number() OVER () AS \"__rn\" FROM ({inner}) AS \"__rows\") AS \"__numbered\")";

    /// <summary>The element a FOR XML PATH column writes: none for an unnamed column or text()/*, else its name.</summary>
    private string? XmlElementName(QuerySpecification qs, int i, string name)
    {
        if (name.Length == 0 || name is "*" || name.Equals("text()", StringComparison.OrdinalIgnoreCase)) return null;
        if (name.IndexOfAny(new[] { '@', '/', '(', ')', '<', '>', '&', ' ' }) >= 0)
            throw Unsupported($"FOR XML PATH with the column name '{name}'", qs.SelectElements[i]);
        return name;
    }

    /// <summary>A value as FOR XML writes it: text of strings and exact numbers; other types are refused.</summary>
    private string ForText(SqlType? type, string column, TSqlFragment at) => type switch
    {
        null or { IsString: true } => $"CAST({column} AS VARCHAR)",
        { Name: "bit" } => $"CAST(CAST({column} AS INTEGER) AS VARCHAR)",
        { IsInteger: true } or { IsDecimal: true } => $"CAST({column} AS VARCHAR)",
        { Name: "uniqueidentifier" } => $"upper(CAST({column} AS VARCHAR))",
        _ => throw Unsupported($"FOR XML of a {type} value", at),
    };

    /// <summary>A value as FOR JSON writes it: strings quoted and escaped (also '/'), numbers bare, bit as true/false.</summary>
    internal string JsonValue(SqlType? type, string column, TSqlFragment at, string user = "FOR JSON") => type switch
    {
        null or { IsString: true } => $"replace(CAST(to_json(CAST({column} AS VARCHAR)) AS VARCHAR), '/', '\\/')",
        { Name: "bit" } => $"CASE WHEN {column} THEN 'true' ELSE 'false' END",
        { IsInteger: true } or { IsDecimal: true } => $"CAST({column} AS VARCHAR)",
        { Name: "uniqueidentifier" } => $"('\"' || upper(CAST({column} AS VARCHAR)) || '\"')",
        { Name: "date" } => $"('\"' || strftime({column}, '%Y-%m-%d') || '\"')",
        _ => throw Unsupported($"{user} of a {type} value", at),
    };

    internal static string JsonString(string s) => System.Text.Json.JsonSerializer.Serialize(s).Replace("/", "\\/");

    /// <summary>The namespaces of the statement's WITH XMLNAMESPACES (a null prefix is the DEFAULT one).</summary>
    internal IReadOnlyList<(string? Prefix, string Uri)> XmlNamespaceDeclarations { get; private set; } = Array.Empty<(string?, string)>();

    /// <summary>
    /// <c>(SELECT … FOR XML PATH(''), TYPE).value('.', 'type')</c>: the text of the list, converted to
    /// the type; <c>x.value('(path)[1]', 'type')</c> on an xml value: the path's first item
    /// (<see cref="XmlQuery"/>), converted to the type. Other xml methods are refused at the call.
    /// </summary>
    internal Tx XmlMethod(FunctionCall f, Scope scope)
    {
        var name = f.FunctionName.Value;
        if (name.Equals("value", StringComparison.OrdinalIgnoreCase) && f.CallTarget is ExpressionCallTarget { Expression: ScalarSubquery { QueryExpression: QuerySpecification { ForClause: XmlForClause } qs } }
            && f.Parameters.Count == 2 && f.Parameters[0] is StringLiteral { Value: var path } && path.Replace(" ", "") is "." or "(./text())[1]" or "./text()[1]" or "text()[1]" or "(text())[1]"
            && f.Parameters[1] is StringLiteral { Value: var typeText })
        {
            var text = ForClauseSubquery(qs, scope, xmlValue: true);
            return Cast(text, DataTypes.Parse(typeText), false, null, f);
        }
        if (name.Equals("value", StringComparison.OrdinalIgnoreCase) && f.Parameters.Count == 2 && f.Parameters[0] is StringLiteral { Value: var query }
            && f.Parameters[1] is StringLiteral { Value: var type })
        {
            var target = XmlTarget(f, name, scope);
            bool node = f.CallTarget is MultiPartIdentifierCallTarget mc && IsXmlNodeColumn(mc.MultiPartIdentifier);
            var compiled = XmlQuery.Compile(query, XmlNamespaceDeclarations, KnownText, out var refusal, nodeContext: node)
                ?? throw Unsupported($"xml method value() with {refusal}", f);
            var text = new Tx($"{XmlQuery.ValueFunction}({AsText(target)}, {Str(compiled.XPath)}, {Str(compiled.Namespaces)})", NVarMax);
            return Cast(text, DataTypes.Parse(type), false, null, f);
        }
        if (name.Equals("query", StringComparison.OrdinalIgnoreCase) && f.Parameters.Count == 1 && f.Parameters[0] is StringLiteral { Value: var path2 })
        {
            var target = XmlTarget(f, name, scope);
            bool node = f.CallTarget is MultiPartIdentifierCallTarget mc && IsXmlNodeColumn(mc.MultiPartIdentifier);
            var compiled = XmlQuery.Compile(path2, XmlNamespaceDeclarations, KnownText, out var refusal, singleton: false, nodeContext: node)
                ?? throw Unsupported($"xml method query() with {refusal}", f);
            return new Tx($"{XmlQuery.QueryFunction}({AsText(target)}, {Str(compiled.XPath)}, {Str(compiled.Namespaces)})", new SqlType("xml"));
        }
        throw Unsupported($"xml method {name.ToLowerInvariant()}()", f, "the sandbox runs value() of a singleton path and query() of a path on xml values, and (SELECT … FOR XML PATH(''), TYPE).value('.', type)");
    }

    /// <summary>The xml value an xml method is called on (a column, a variable or an expression); other types are refused.</summary>
    private Tx XmlTarget(FunctionCall f, string name, Scope scope)
    {
        var target = f.CallTarget switch
        {
            ExpressionCallTarget e => Expr(e.Expression, scope),
            MultiPartIdentifierCallTarget m => Expr(new ColumnReferenceExpression { ColumnType = ColumnType.Regular, MultiPartIdentifier = m.MultiPartIdentifier }, scope),
            _ => throw Unsupported($"xml method {name.ToLowerInvariant()}() on {f.CallTarget.GetType().Name}", f),
        };
        if (target.Type is { } tt && tt.Name != "xml") throw Unsupported($"xml method {name.ToLowerInvariant()}() on a {tt} value", f);
        return target;
    }

    /// <summary>Columns of nodes() rows in this statement ("alias.column", lower case): their xml is one element, the context of value().</summary>
    private readonly HashSet<string> _xmlNodeColumns = new(StringComparer.OrdinalIgnoreCase);

    private bool IsXmlNodeColumn(MultiPartIdentifier id) => id.Identifiers.Count switch
    {
        1 => _xmlNodeColumns.Any(c => c.EndsWith("." + id.Identifiers[0].Value, StringComparison.OrdinalIgnoreCase)),
        _ => _xmlNodeColumns.Contains(id.Identifiers[^2].Value + "." + id.Identifiers[^1].Value),
    };

    /// <summary>
    /// <c>x.nodes('path') AS T(c)</c>: one row per element the path selects, its column the element's
    /// xml, which value() then reads relative to the element (paths leaving it are refused).
    /// </summary>
    private string XmlNodes(Tx target, string method, IList<ScalarExpression> parameters, string? alias, IList<Identifier> columns, TSqlFragment at, Scope scope)
    {
        if (!method.Equals("nodes", StringComparison.OrdinalIgnoreCase)) throw Unsupported($"xml method {method.ToLowerInvariant()}() in FROM", at);
        if (target.Type is { } tt && tt.Name != "xml") throw Unsupported($"xml method nodes() on a {tt} value", at);
        if (parameters.Count != 1 || parameters[0] is not StringLiteral { Value: var query } || alias is null || columns.Count != 1)
            throw Unsupported("xml method nodes() other than x.nodes('path') AS T(c)", at);
        if (target.Sql.Contains("tsql_xml_nodes", StringComparison.Ordinal) || _xmlNodeColumns.Count > 0 && target.Sql.Contains('"') && IsNodeSql(target.Sql))
            throw Unsupported("xml method nodes() of a nodes() row", at);
        var compiled = XmlQuery.Compile(query, XmlNamespaceDeclarations, KnownText, out var refusal, singleton: false)
            ?? throw Unsupported($"xml method nodes() with {refusal}", at);
        string column = columns[0].Value;
        _xmlNodeColumns.Add(alias + "." + column);
        scope.Sources.Add(new SourceShape(alias, new List<ColumnShape> { new(column, new SqlType("xml")) }));
        string list = $"CAST(from_json({XmlQuery.NodesFunction}({AsText(target)}, {Str(compiled.XPath)}, {Str(compiled.Namespaces)}), '[\"VARCHAR\"]') AS VARCHAR[])";
        return $"(SELECT unnest({list}) AS {Id(column)}) AS {Id(alias)}";
    }

    private bool IsNodeSql(string sql) => _xmlNodeColumns.Any(c => sql.Contains(Id(c.Split('.')[0]) + "." + Id(c.Split('.')[1]), StringComparison.OrdinalIgnoreCase));

    /// <summary>The text of a variable known when the statement runs (sql:variable in XQuery), or null.</summary>
    private string? KnownText(string variable)
    {
        var v = Env.Variable(variable);
        if (v is null) return null;
        if (v.Sql is null) return v.Value is null ? null : Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture);
        // a function parameter bound to a constant argument: a string literal, maybe cast or cut to the parameter's length
        string sql = v.Sql.Trim();
        while (sql.StartsWith('(') && sql.EndsWith(')')) sql = sql[1..^1].Trim();
        var m = System.Text.RegularExpressions.Regex.Match(sql, @"^(?:CAST\(|left\()?'((?:[^']|'')*)'(?: AS [A-Z]+(?:\([0-9, ]+\))?\)|, ([0-9]+)\))?$");
        if (!m.Success) return null;
        var text = m.Groups[1].Value.Replace("''", "'");
        return m.Groups[2].Success && int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) is var n && text.Length > n ? text[..n] : text;
    }
}
