using System.Globalization;
using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules;

/// <summary>
/// Pieces shared by the rules that look at the catalog: quoting names the way SQL Server needs
/// them, the columns an INSERT without a list fills, the column shape of a query as far as the
/// syntax and the catalog tell it, near-miss names, and whether a literal fits a type.
/// Everything here is syntax-level and cheap: no tree walks beyond the query it is given.
/// </summary>
internal static class CatalogRuleHelpers
{
    // ---- names ----------------------------------------------------------------------------------

    /// <summary>T-SQL reserved keywords: a column named so must be bracketed.</summary>
    private static readonly HashSet<string> ReservedKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "ADD", "ALL", "ALTER", "AND", "ANY", "AS", "ASC", "AUTHORIZATION", "BACKUP", "BEGIN", "BETWEEN", "BREAK", "BROWSE",
        "BULK", "BY", "CASCADE", "CASE", "CHECK", "CHECKPOINT", "CLOSE", "CLUSTERED", "COALESCE", "COLLATE", "COLUMN",
        "COMMIT", "COMPUTE", "CONSTRAINT", "CONTAINS", "CONTAINSTABLE", "CONTINUE", "CONVERT", "CREATE", "CROSS", "CURRENT",
        "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "CURSOR", "DATABASE", "DBCC", "DEALLOCATE",
        "DECLARE", "DEFAULT", "DELETE", "DENY", "DESC", "DISK", "DISTINCT", "DISTRIBUTED", "DOUBLE", "DROP", "DUMP", "ELSE",
        "END", "ERRLVL", "ESCAPE", "EXCEPT", "EXEC", "EXECUTE", "EXISTS", "EXIT", "EXTERNAL", "FETCH", "FILE", "FILLFACTOR",
        "FOR", "FOREIGN", "FREETEXT", "FREETEXTTABLE", "FROM", "FULL", "FUNCTION", "GOTO", "GRANT", "GROUP", "HAVING",
        "HOLDLOCK", "IDENTITY", "IDENTITY_INSERT", "IDENTITYCOL", "IF", "IN", "INDEX", "INNER", "INSERT", "INTERSECT", "INTO",
        "IS", "JOIN", "KEY", "KILL", "LEFT", "LIKE", "LINENO", "LOAD", "MERGE", "NATIONAL", "NOCHECK", "NONCLUSTERED", "NOT",
        "NULL", "NULLIF", "OF", "OFF", "OFFSETS", "ON", "OPEN", "OPENDATASOURCE", "OPENQUERY", "OPENROWSET", "OPENXML",
        "OPTION", "OR", "ORDER", "OUTER", "OVER", "PERCENT", "PIVOT", "PLAN", "PRECISION", "PRIMARY", "PRINT", "PROC",
        "PROCEDURE", "PUBLIC", "RAISERROR", "READ", "READTEXT", "RECONFIGURE", "REFERENCES", "REPLICATION", "RESTORE",
        "RESTRICT", "RETURN", "REVERT", "REVOKE", "RIGHT", "ROLLBACK", "ROWCOUNT", "ROWGUIDCOL", "RULE", "SAVE", "SCHEMA",
        "SECURITYAUDIT", "SELECT", "SEMANTICKEYPHRASETABLE", "SEMANTICSIMILARITYDETAILSTABLE", "SEMANTICSIMILARITYTABLE",
        "SESSION_USER", "SET", "SETUSER", "SHUTDOWN", "SOME", "STATISTICS", "SYSTEM_USER", "TABLE", "TABLESAMPLE",
        "TEXTSIZE", "THEN", "TO", "TOP", "TRAN", "TRANSACTION", "TRIGGER", "TRUNCATE", "TRY_CONVERT", "TSEQUAL", "UNION",
        "UNIQUE", "UNPIVOT", "UPDATE", "UPDATETEXT", "USE", "USER", "VALUES", "VARYING", "VIEW", "WAITFOR", "WHEN", "WHERE",
        "WHILE", "WITH", "WITHIN", "WRITETEXT",
    };

    /// <summary>The name as T-SQL must spell it: bare when it is a regular identifier, else [bracketed].</summary>
    public static string QuoteName(string name) =>
        IsRegularIdentifier(name) ? name : "[" + name.Replace("]", "]]") + "]";

    private static bool IsRegularIdentifier(string name)
    {
        if (name.Length == 0 || name.Length > 128 || ReservedKeywords.Contains(name)) return false;
        if (!(char.IsLetter(name[0]) || name[0] == '_')) return false;
        for (int i = 1; i < name.Length; i++)
        {
            char c = name[i];
            if (!(char.IsLetterOrDigit(c) || c is '_' or '@' or '#' or '$')) return false;
        }
        return true;
    }

    /// <summary>"Dim.Customer.[Customer Key]": a column as messages show it.</summary>
    public static string ColumnDisplay(QualifiedName table, string column) => $"{table}.{QuoteName(column)}";

    /// <summary>Levenshtein distance, case-insensitive, giving up (returning max + 1) beyond <paramref name="max"/>.</summary>
    public static int EditDistance(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max) return max + 1;
        Span<int> previous = b.Length < 128 ? stackalloc int[b.Length + 1] : new int[b.Length + 1];
        Span<int> current = b.Length < 128 ? stackalloc int[b.Length + 1] : new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int rowMin = current[0];
            char ca = char.ToUpperInvariant(a[i - 1]);
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = ca == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (current[j] < rowMin) rowMin = current[j];
            }
            if (rowMin > max) return max + 1;
            var swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.Length];
    }

    /// <summary>
    /// The one candidate a misspelt name most likely meant: within edit distance 2 (1 for names of
    /// three characters or fewer), and the only one that close. Null when none or several are.
    /// </summary>
    public static string? SingleCloseMatch(string name, IEnumerable<string> candidates)
    {
        int max = name.Length <= 3 ? 1 : 2;
        string? match = null;
        foreach (var candidate in candidates)
        {
            if (EditDistance(name, candidate, max) > max) continue;
            if (match is not null && !string.Equals(match, candidate, StringComparison.OrdinalIgnoreCase)) return null;
            match = candidate;
        }
        return match;
    }

    // ---- tables ---------------------------------------------------------------------------------

    /// <summary>The columns an INSERT without a column list fills, in order: all but identity, computed and rowversion.</summary>
    public static List<ColumnDef> InsertableColumns(TableDef table)
    {
        var result = new List<ColumnDef>(table.Columns.Count);
        foreach (var c in table.Columns)
            if (!c.IsGenerated) result.Add(c);
        return result;
    }

    /// <summary>
    /// The catalog object a DML target or FROM item names. A database part is ignored, as lineage
    /// ignores it (a DW project often names its own database); a linked server never is ours.
    /// </summary>
    public static TableDef? FindTable(RuleContext context, SchemaObjectName name)
    {
        if (name.BaseIdentifier is null || name.ServerIdentifier is not null) return null;
        var q = DdlReader.NameOf(name);
        if (q.IsLocal) return null;
        return context.Catalog.Find(q);
    }

    /// <summary>Was the catalog built from any CREATE TABLE at all? Without one, nothing can be called unknown.</summary>
    public static bool HasTables(RuleContext context)
    {
        foreach (var t in context.Catalog.All)
            if (t.Kind == TableKind.Table) return true;
        return false;
    }

    // ---- text -----------------------------------------------------------------------------------

    /// <summary>
    /// Joins items with ", ", wrapping lines at about 100 characters; continuation lines start at
    /// <paramref name="indent"/> spaces. <paramref name="firstColumn"/> is where the first item goes.
    /// </summary>
    public static string WrapList(IReadOnlyList<string> items, int firstColumn, int indent, string newline)
    {
        const int Width = 100;
        var sb = new System.Text.StringBuilder();
        int column = firstColumn;
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                if (column + 2 + items[i].Length > Width)
                {
                    sb.Append(',').Append(newline).Append(' ', indent);
                    column = indent;
                }
                else
                {
                    sb.Append(", ");
                    column += 2;
                }
            }
            sb.Append(items[i]);
            column += items[i].Length;
        }
        return sb.ToString();
    }

    /// <summary>The line break the document uses.</summary>
    public static string NewlineOf(string text)
    {
        int i = text.IndexOf('\n');
        return i > 0 && text[i - 1] == '\r' ? "\r\n" : "\n";
    }

    /// <summary>Source text shortened to one line for a message.</summary>
    public static string Abbreviate(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= 60 ? text : text[..57] + "...";
    }

    public static int ColumnOf(RuleContext context, int offset) => context.Document.Lines.PositionOf(offset).Character;

    public static int LineIndentOf(RuleContext context, int offset)
    {
        var text = context.Document.Text;
        int start = context.Document.Lines.LineStart(context.Document.Lines.PositionOf(offset).Line);
        int i = start;
        while (i < text.Length && text[i] is ' ' or '\t') i++;
        return i - start;
    }

    // ---- constants ------------------------------------------------------------------------------

    /// <summary>A literal as written (possibly negated or parenthesized), or null when the expression is not one.</summary>
    public static Literal? AsLiteral(TSqlFragment? e, out bool negative)
    {
        negative = false;
        while (true)
        {
            switch (e)
            {
                case ParenthesisExpression p: e = p.Expression; continue;
                case UnaryExpression { UnaryExpressionType: UnaryExpressionType.Negative } u: negative = !negative; e = u.Expression; continue;
                case UnaryExpression { UnaryExpressionType: UnaryExpressionType.Positive } u: e = u.Expression; continue;
                case Literal l: return l;
                default: return null;
            }
        }
    }

    /// <summary>
    /// Whether a constant keeps its value (its meaning, for a bit) when stored as <paramref name="type"/>: null when this
    /// cannot be told (the literal kind or the type is not one we reason about).
    /// </summary>
    public static bool? ConstantFits(Literal literal, bool negative, SqlType type)
    {
        switch (literal)
        {
            case NullLiteral:
                return true;
            case StringLiteral s:
                if (!type.IsString) return null;
                if (type.EffectiveLength is int len && len != SqlType.Max && s.Value.Length > len) return false;
                if (!type.IsUnicode)
                    foreach (var ch in s.Value)
                        if (ch > 127) return false;
                return true;
            case IntegerLiteral or NumericLiteral:
            {
                if (!decimal.TryParse(literal.Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var value)) return null;
                if (negative) value = -value;
                return NumberFits(value, type);
            }
            default:
                return null;
        }
    }

    private static bool? NumberFits(decimal value, SqlType type)
    {
        if (type.IsApproximate) return true;
        // SQL Server stores any non-zero number as 1 in a bit, without an error: 3 means true.
        if (type.Name == "bit") return true;
        if (type.IsInteger)
        {
            if (value != decimal.Truncate(value)) return false;
            return type.Name switch
            {
                "tinyint" => value is >= 0 and <= 255,
                "smallint" => value is >= short.MinValue and <= short.MaxValue,
                "int" => value is >= int.MinValue and <= int.MaxValue,
                _ => value is >= long.MinValue and <= long.MaxValue,
            };
        }
        if (DecimalShape(type) is var (precision, scale))
        {
            var abs = Math.Abs(value);
            int intDigits = abs < 1 ? 0 : decimal.Truncate(abs).ToString(CultureInfo.InvariantCulture).Length;
            if (intDigits > precision - scale) return false;
            return decimal.Round(value, scale) == value;
        }
        return null;
    }

    /// <summary>Precision and scale of an exact numeric type (integers as decimal(n,0) wide enough for every value).</summary>
    public static (int Precision, int Scale)? DecimalShape(SqlType type) => type.Name switch
    {
        "decimal" or "numeric" => (type.Precision ?? 18, type.Scale ?? 0),
        "money" => (19, 4),
        "smallmoney" => (10, 4),
        "tinyint" => (3, 0),
        "smallint" => (5, 0),
        "int" => (10, 0),
        "bigint" => (19, 0),
        _ => null,
    };

    /// <summary>Parses a column DEFAULT that is a plain constant ("((0))", "(N'Unknown')", "-1"); null otherwise.</summary>
    public static string? ConstantDefault(string? text)
    {
        if (text is null) return null;
        var t = text.Trim();
        while (t.Length >= 2 && t[0] == '(' && t[^1] == ')' && Balanced(t.AsSpan(1, t.Length - 2))) t = t[1..^1].Trim();
        if (t.Length == 0) return null;
        if (t[0] == '\'' || (t.Length > 1 && t[0] is 'N' or 'n' && t[1] == '\''))
        {
            int start = t.IndexOf('\'');
            // The whole text must be one string literal: quotes inside are doubled.
            for (int i = start + 1; i < t.Length; i++)
            {
                if (t[i] != '\'') continue;
                if (i + 1 < t.Length && t[i + 1] == '\'') { i++; continue; }
                return i == t.Length - 1 ? t : null;
            }
            return null;
        }
        int k = t[0] is '-' or '+' ? 1 : 0;
        bool digits = false, dot = false;
        for (; k < t.Length; k++)
        {
            if (char.IsAsciiDigit(t[k])) digits = true;
            else if (t[k] == '.' && !dot) dot = true;
            else return null;
        }
        return digits ? t : null;
    }

    private static bool Balanced(ReadOnlySpan<char> s)
    {
        int depth = 0;
        bool inString = false;
        foreach (var c in s)
        {
            if (c == '\'') inString = !inString;
            if (inString) continue;
            if (c == '(') depth++;
            else if (c == ')' && --depth < 0) return false;
        }
        return depth == 0;
    }

    /// <summary>Parses a constant's text back into a literal, to reuse <see cref="ConstantFits"/>.</summary>
    public static Literal? ParseConstant(string constant, out bool negative)
    {
        negative = false;
        var t = constant;
        if (t[0] is '-' or '+') { negative = t[0] == '-'; t = t[1..]; }
        if (t.Length > 0 && (t[0] == '\'' || t[0] is 'N' or 'n'))
        {
            bool national = t[0] is 'N' or 'n';
            var body = t[(national ? 2 : 1)..^1].Replace("''", "'");
            return new StringLiteral { Value = body, IsNational = national };
        }
        return t.Contains('.') ? new NumericLiteral { Value = t } : new IntegerLiteral { Value = t };
    }
}

/// <summary>The CTEs one statement defines; they are visible to every query inside that statement.</summary>
internal sealed class CteScope
{
    private readonly Dictionary<string, CommonTableExpression>? _ctes;

    public CteScope(WithCtesAndXmlNamespaces? with)
    {
        if (with is null || with.CommonTableExpressions.Count == 0) return;
        _ctes = new Dictionary<string, CommonTableExpression>(StringComparer.OrdinalIgnoreCase);
        foreach (var cte in with.CommonTableExpressions)
            _ctes.TryAdd(cte.ExpressionName.Value, cte);
    }

    public CommonTableExpression? Find(SchemaObjectName name)
    {
        if (_ctes is null || name.SchemaIdentifier is not null || name.BaseIdentifier is null) return null;
        return _ctes.GetValueOrDefault(name.BaseIdentifier.Value);
    }
}

/// <summary>
/// One row source of a FROM clause, with its column names when the catalog or the query text
/// tells them (null when it cannot be known, e.g. a #temp table or a table missing from the catalog).
/// </summary>
internal sealed record SourceRelation(
    TableReference Reference,
    string? Alias,
    /// <summary>How a column of this relation is qualified: the alias, else the name as written.</summary>
    string Qualifier,
    IReadOnlyList<string>? Columns,
    /// <summary>The catalog object read, for named tables and functions.</summary>
    TableDef? Table,
    /// <summary>The CTE read, for references to a CTE.</summary>
    CommonTableExpression? Cte,
    /// <summary>The query of a CTE or derived table.</summary>
    QueryExpression? Query)
{
    /// <summary>Does the qualifier of a column or star (alias, table or schema.table) name this relation?</summary>
    public bool Matches(IList<Identifier> qualifier)
    {
        if (qualifier.Count == 0) return true;
        var last = qualifier[^1].Value;
        if (Alias is not null) return qualifier.Count == 1 && string.Equals(Alias, last, StringComparison.OrdinalIgnoreCase);
        if (Reference is not NamedTableReference named) return false;
        var so = named.SchemaObject;
        if (!string.Equals(so.BaseIdentifier?.Value, last, StringComparison.OrdinalIgnoreCase)) return false;
        if (qualifier.Count == 1) return true;
        var schema = so.SchemaIdentifier?.Value ?? QualifiedName.DefaultSchema;
        return string.Equals(schema, qualifier[^2].Value, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>
/// The column shape of queries from syntax plus catalog: the relations of a FROM clause and the
/// output names of a query with * expanded. Used for INSERT arity, star expansion and keys.
/// </summary>
internal static class QueryShapes
{
    private const int MaxDepth = 8;

    /// <summary>The row sources of a FROM clause, joins flattened, in order.</summary>
    public static List<SourceRelation> Relations(FromClause? from, CteScope ctes, RuleContext context, int depth = 0)
    {
        var result = new List<SourceRelation>();
        foreach (var leaf in JoinTree.Leaves(from)) result.Add(Describe(leaf.Source, ctes, context, depth));
        return result;
    }

    /// <summary>One row source (not a join) with its columns as far as they are known.</summary>
    public static SourceRelation Describe(TableReference reference, CteScope ctes, RuleContext context, int depth = 0)
    {
        var alias = (reference as TableReferenceWithAlias)?.Alias?.Value;
        switch (reference)
        {
            case NamedTableReference named:
            {
                var written = context.TextOf(named.SchemaObject);
                if (ctes.Find(named.SchemaObject) is { } cte)
                {
                    IReadOnlyList<string>? cols = cte.Columns.Count > 0 ? Names(cte.Columns) : depth < MaxDepth ? OutputNames(cte.QueryExpression, ctes, context, depth + 1) : null;
                    return new SourceRelation(reference, alias, alias ?? written, cols, null, cte, cte.QueryExpression);
                }
                var table = CatalogRuleHelpers.FindTable(context, named.SchemaObject);
                return new SourceRelation(reference, alias, alias ?? written, ColumnNames(table), table, null, null);
            }
            case QueryDerivedTable derived:
            {
                IReadOnlyList<string>? cols = derived.Columns.Count > 0 ? Names(derived.Columns) : depth < MaxDepth ? OutputNames(derived.QueryExpression, ctes, context, depth + 1) : null;
                return new SourceRelation(reference, alias, alias ?? "", cols, null, null, derived.QueryExpression);
            }
            case InlineDerivedTable values:
                return new SourceRelation(reference, alias, alias ?? "", values.Columns.Count > 0 ? Names(values.Columns) : null, null, null, null);
            case SchemaObjectFunctionTableReference fn:
            {
                var table = CatalogRuleHelpers.FindTable(context, fn.SchemaObject);
                IReadOnlyList<string>? cols = fn.Columns.Count > 0 ? Names(fn.Columns) : ColumnNames(table);
                return new SourceRelation(reference, alias, alias ?? context.TextOf(fn.SchemaObject), cols, table, null, null);
            }
            default:
                return new SourceRelation(reference, alias, alias ?? "", null, null, null, null);
        }
    }

    private static List<string> Names(IList<Identifier> ids)
    {
        var names = new List<string>(ids.Count);
        foreach (var i in ids) names.Add(i.Value);
        return names;
    }

    /// <summary>A catalog object's column names; null when not all are known (a view over * of an unknown object).</summary>
    private static List<string>? ColumnNames(TableDef? table)
    {
        if (table is null || !table.IsComplete) return null;
        var names = new List<string>(table.Columns.Count);
        foreach (var c in table.Columns) names.Add(c.Name);
        return names;
    }

    /// <summary>
    /// The output column names of a query ("" for an unnamed expression), * expanded; null when a
    /// star covers a relation whose columns are not known.
    /// </summary>
    public static List<string>? OutputNames(QueryExpression? query, CteScope ctes, RuleContext context, int depth = 0)
    {
        switch (query)
        {
            case QueryParenthesisExpression p:
                return OutputNames(p.QueryExpression, ctes, context, depth);
            case BinaryQueryExpression b:
                return OutputNames(b.FirstQueryExpression, ctes, context, depth);
            case QuerySpecification spec:
            {
                var names = new List<string>(spec.SelectElements.Count);
                List<SourceRelation>? relations = null;
                foreach (var element in spec.SelectElements)
                {
                    switch (element)
                    {
                        case SelectScalarExpression s:
                            names.Add(OutputName(s));
                            break;
                        case SelectStarExpression star:
                            relations ??= Relations(spec.FromClause, ctes, context, depth);
                            var covered = Covered(star, relations);
                            if (covered is null) return null;
                            foreach (var r in covered) names.AddRange(r.Columns!);
                            break;
                        default:
                            return null; // @v = x: not a result set
                    }
                }
                return names;
            }
            default:
                return null;
        }
    }

    /// <summary>Number of values each row of an INSERT source has; null when not known (EXEC, unknown *).</summary>
    public static int? SelectWidth(QueryExpression? query, CteScope ctes, RuleContext context)
    {
        // Without a star the width is the select list's length: no need to resolve anything.
        var spec = FirstSpecification(query);
        if (spec is null) return null;
        bool star = false;
        foreach (var e in spec.SelectElements)
            if (e is SelectStarExpression) { star = true; break; }
        if (!star) return spec.SelectElements.Count;
        return OutputNames(spec, ctes, context)?.Count;
    }

    public static QuerySpecification? FirstSpecification(QueryExpression? query) => query switch
    {
        QuerySpecification s => s,
        QueryParenthesisExpression p => FirstSpecification(p.QueryExpression),
        BinaryQueryExpression b => FirstSpecification(b.FirstQueryExpression),
        _ => null,
    };

    /// <summary>The relations a star covers, each with known columns; null when one is unknown or none matches.</summary>
    public static List<SourceRelation>? Covered(SelectStarExpression star, List<SourceRelation> relations)
    {
        var qualifier = (IList<Identifier>?)star.Qualifier?.Identifiers ?? Array.Empty<Identifier>();
        var covered = new List<SourceRelation>();
        foreach (var r in relations)
        {
            if (!r.Matches(qualifier)) continue;
            if (r.Columns is null) return null;
            covered.Add(r);
        }
        return covered.Count == 0 ? null : covered;
    }

    public static string OutputName(SelectScalarExpression s)
    {
        if (s.ColumnName?.Value is { } alias) return alias;
        var e = s.Expression;
        while (e is ParenthesisExpression p) e = p.Expression;
        return e is ColumnReferenceExpression { MultiPartIdentifier: { } id } ? id.Identifiers[^1].Value : "";
    }

    /// <summary>The select lists whose columns are a query's result: every branch of a UNION, not subqueries.</summary>
    public static void OutputSpecifications(QueryExpression? query, List<QuerySpecification> into)
    {
        switch (query)
        {
            case QuerySpecification s: into.Add(s); break;
            case QueryParenthesisExpression p: OutputSpecifications(p.QueryExpression, into); break;
            case BinaryQueryExpression b:
                OutputSpecifications(b.FirstQueryExpression, into);
                OutputSpecifications(b.SecondQueryExpression, into);
                break;
        }
    }
}
