using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.XPath;

namespace EtlAgent.Core.Translation;

/// <summary>
/// The xml value() method for the XQuery SQL Server code uses to read one value: a path of child
/// and attribute steps with predicates, made a singleton by [1], with the namespaces of its prolog
/// (declare [default element] namespace) or of WITH XMLNAMESPACES, and sql:variable() of a value
/// known when the statement runs. Such a query is XPath 1.0 once the default element namespace is
/// a prefix and sql:variable() its value, so .NET's XPath evaluates it; anything else (FLWOR,
/// a path that is not a singleton, functions XPath does not have) is refused where it is written.
/// </summary>
public static class XmlQuery
{
    /// <summary>The host function (see the sandbox's HostFunctions) that evaluates a compiled query: (xml text, XPath, namespaces) → text.</summary>
    public const string ValueFunction = "tsql_xml_value";

    /// <summary>The host function for nodes(): (xml text, XPath, namespaces) → a JSON array of the elements' xml text.</summary>
    public const string NodesFunction = "tsql_xml_nodes";

    /// <summary>The host function for query(): (xml text, XPath, namespaces) → the selected nodes as one xml fragment.</summary>
    public const string QueryFunction = "tsql_xml_query";

    /// <summary>In the namespaces argument: the query's context is the fragment's element (a row of nodes()), not the document.</summary>
    private const string NodeContext = "#node";

    private const string DefaultPrefix = "__default";

    /// <summary>
    /// The query as XPath and its namespaces ("prefix=uri" lines), or the reason it is refused.
    /// <paramref name="variable"/> gives the text of sql:variable("@name"), null when not known.
    /// </summary>
    public static (string XPath, string Namespaces)? Compile(string query, IReadOnlyList<(string? Prefix, string Uri)> statementNamespaces, Func<string, string?> variable, out string? refusal,
        bool singleton = true, bool nodeContext = false)
    {
        refusal = null;
        var namespaces = new List<(string? Prefix, string Uri)>(statementNamespaces);
        string q = query.Trim();
        // the prolog: namespace declarations, each ending in ';'
        var decl = new Regex(@"^declare\s+(?:(default\s+element\s+namespace)|namespace\s+([\p{L}_][\p{L}\p{N}._-]*)\s*=)\s*(""[^""]*""|'[^']*')\s*;\s*", RegexOptions.IgnoreCase);
        for (var m = decl.Match(q); m.Success; m = decl.Match(q))
        {
            string uri = m.Groups[3].Value[1..^1];
            namespaces.RemoveAll(n => n.Prefix == (m.Groups[1].Success ? null : m.Groups[2].Value));
            namespaces.Add((m.Groups[1].Success ? null : m.Groups[2].Value, uri));
            q = q[m.Length..];
        }
        if (Regex.IsMatch(q, @"^\s*(declare|for|let)\b|\breturn\b|\{", RegexOptions.IgnoreCase)) { refusal = "XQuery beyond a path (a prolog other than namespaces, FLWOR or constructors)"; return null; }
        // sql:variable("@v") → its value as a string literal
        var failed = (string?)null;
        q = Regex.Replace(q, @"sql:variable\(\s*[""']([^""']+)[""']\s*\)", m =>
        {
            var v = variable(m.Groups[1].Value);
            if (v is null) { failed = $"sql:variable(\"{m.Groups[1].Value}\") of a value not known when the statement runs"; return m.Value; }
            return v.Contains('"') ? "'" + v + "'" : "\"" + v + "\"";
        });
        if (failed is not null) { refusal = failed; return null; }
        if (Regex.IsMatch(q, @"\bsql:column\(")) { refusal = "sql:column() in XQuery"; return null; }
        if (singleton && !IsSingleton(q)) { refusal = "an XQuery path that is not a singleton (SQL Server requires one, such as (path)[1])"; return null; }
        // a row of nodes() is kept as its element's text: paths from it must stay inside it
        if (nodeContext && (Regex.IsMatch(q, @"^\s*\(?\s*/") || q.Contains("..", StringComparison.Ordinal) || Regex.IsMatch(q, @"\b(ancestor|parent|preceding|following)")))
        { refusal = "a path that leaves the node of a nodes() row (an absolute path, .., or another axis out of it)"; return null; }
        bool hasDefault = namespaces.Any(n => n.Prefix is null);
        string xpath = hasDefault ? PrefixElementNames(q) : q;
        string ns = string.Join("\n", namespaces.Select(n => (n.Prefix ?? DefaultPrefix) + "=" + n.Uri).Prepend(nodeContext ? NodeContext : null).OfType<string>());
        try
        {
            var manager = Manager(ns);
            XPathExpression.Compile(xpath, manager);
        }
        catch (XPathException) { refusal = "this XQuery (not a path the sandbox evaluates)"; return null; }
        return (xpath, ns);
    }

    /// <summary>The text of the query's first item in the document, null for none (evaluated by the host function).</summary>
    public static string? Value(string xml, string xpath, string namespaces)
    {
        var result = Context(xml, namespaces).Evaluate(xpath, Manager(namespaces));
        return result switch
        {
            XPathNodeIterator it => it.MoveNext() ? it.Current!.Value : null,
            bool b => b ? "true" : "false",
            double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            string s => s,
            _ => null,
        };
    }

    /// <summary>The elements the query selects, each as xml text (a JSON array of strings), evaluated by the host function of nodes().</summary>
    public static string Nodes(string xml, string xpath, string namespaces)
    {
        var items = new List<string>();
        foreach (XPathNavigator n in Context(xml, namespaces).Select(xpath, Manager(namespaces)))
        {
            if (n.NodeType != XPathNodeType.Element)
                throw new InvalidOperationException(SqlText.UnsupportedMarker + "nodes() of attributes or text (the sandbox keeps a row of nodes() as an element)");
            items.Add(n.OuterXml);
        }
        return System.Text.Json.JsonSerializer.Serialize(items);
    }

    /// <summary>
    /// query(): the elements and text the path selects, in document order, as one xml fragment (empty, not
    /// NULL, when it selects nothing). An element keeps the namespace declarations it needs, as SQL Server
    /// writes them on the result's elements.
    /// </summary>
    public static string Query(string xml, string xpath, string namespaces)
    {
        var sb = new StringBuilder();
        // OuterXml indents; SQL Server writes the nodes as they are
        var unindented = new XmlWriterSettings { Indent = false, OmitXmlDeclaration = true, ConformanceLevel = ConformanceLevel.Fragment };
        foreach (XPathNavigator n in Context(xml, namespaces).Select(xpath, Manager(namespaces)))
        {
            switch (n.NodeType)
            {
                case XPathNodeType.Element:
                    using (var writer = XmlWriter.Create(sb, unindented)) n.WriteSubtree(writer);
                    break;
                case XPathNodeType.Text or XPathNodeType.Whitespace or XPathNodeType.SignificantWhitespace: sb.Append(System.Security.SecurityElement.Escape(n.Value)); break;
                default: throw new InvalidOperationException(SqlText.UnsupportedMarker + "query() of attributes, comments or processing instructions (the sandbox returns elements and text)");
            }
        }
        return sb.ToString();
    }

    private static XPathNavigator Context(string xml, string namespaces)
    {
        if (Regex.IsMatch(xml, @"^\s*<\?xml[^>]*encoding", RegexOptions.IgnoreCase))
            throw new InvalidOperationException(SqlText.UnsupportedMarker + "xml text with an encoding declaration (SQL Server checks it against the type of the text)");
        XPathNavigator nav;
        try
        {
            // SQL Server keeps no whitespace-only text nodes by default (CAST/CONVERT to xml, style 0)
            var settings = new XmlReaderSettings { IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit, ConformanceLevel = ConformanceLevel.Fragment, XmlResolver = null };
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            nav = new XPathDocument(reader).CreateNavigator();
        }
        catch (XmlException)
        {
            throw new InvalidOperationException(SqlText.UnsupportedMarker + "xml text that is not well formed (SQL Server raises its XML parsing error where the text becomes xml)");
        }
        if (namespaces.StartsWith(NodeContext, StringComparison.Ordinal)) nav.MoveToChild(XPathNodeType.Element);
        return nav;
    }

    private static XmlNamespaceManager Manager(string namespaces)
    {
        var manager = new XmlNamespaceManager(new NameTable());
        foreach (var line in namespaces.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line == NodeContext) continue;
            int eq = line.IndexOf('=');
            manager.AddNamespace(line[..eq], line[(eq + 1)..]);
        }
        return manager;
    }

    /// <summary>A path SQL Server types as at most one item: (…)[1], …[1], the context item, or an attribute of it.</summary>
    private static bool IsSingleton(string q)
    {
        string t = q.Trim();
        // an attribute of the context item is at most one (X.C.value('@id', 'int') on a nodes() row)
        return t == "." || Regex.IsMatch(t, @"\[\s*1\s*\]\s*$") || Regex.IsMatch(t, @"^(\./)?@[\p{L}_][\p{L}\p{N}._:-]*$");
    }

    /// <summary>
    /// Element name tests without a prefix, made names in the default element namespace: a name
    /// at the start of a step (after '/', '(', '[', ',' or an axis) that is not a function or node test.
    /// </summary>
    private static string PrefixElementNames(string q)
    {
        var sb = new StringBuilder();
        int i = 0;
        char prev = '/';
        while (i < q.Length)
        {
            char c = q[i];
            if (c is '"' or '\'')
            {
                int end = q.IndexOf(c, i + 1);
                end = end < 0 ? q.Length - 1 : end;
                sb.Append(q, i, end - i + 1);
                i = end + 1;
                prev = c;
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < q.Length && (char.IsLetterOrDigit(q[i]) || q[i] is '_' or '-' or '.')) i++;
                string name = q[start..i];
                int after = i;
                while (after < q.Length && q[after] == ' ') after++;
                bool function = after < q.Length && q[after] == '(';
                bool prefixed = after < q.Length && q[after] == ':';
                bool axisBefore = sb.Length >= 2 && sb[^1] == ':' && sb[^2] == ':';
                bool attribute = sb.ToString().EndsWith("attribute::", StringComparison.Ordinal);
                bool step = prev is '/' or '(' or '[' or ',' || axisBefore;
                bool afterPrefix = sb.Length >= 1 && sb[^1] == ':' && !axisBefore;
                if (step && !attribute && !function && !prefixed && !afterPrefix) sb.Append(DefaultPrefix).Append(':');
                sb.Append(name);
                prev = 'a';
                continue;
            }
            sb.Append(c);
            if (!char.IsWhiteSpace(c)) prev = c;
            i++;
        }
        return sb.ToString();
    }
}
