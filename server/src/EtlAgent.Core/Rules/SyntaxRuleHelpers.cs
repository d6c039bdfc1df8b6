using EtlAgent.Core.Catalog;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Rules;

/// <summary>
/// Small, allocation-light helpers shared by the syntax-driven rules: span arithmetic over the
/// sorted node lists of <see cref="Syntax.SyntaxIndex"/> (no parent links needed), boolean
/// predicate shapes, the tables a query can see, and token lookups for precise edits.
/// Everything here is pure and never throws on partial trees (nodes with no span are skipped).
/// </summary>
internal static class SyntaxRuleHelpers
{
    // ---- spans -------------------------------------------------------------------------------

    public static int End(TSqlFragment f) => f.StartOffset + f.FragmentLength;

    public static bool HasSpan(TSqlFragment? f) => f is not null && f.StartOffset >= 0 && f.FragmentLength >= 0;

    public static bool Contains(TSqlFragment outer, TSqlFragment inner) =>
        HasSpan(outer) && HasSpan(inner) && inner.StartOffset >= outer.StartOffset && End(inner) <= End(outer);

    public static bool Contains(TSqlFragment outer, int offset) =>
        HasSpan(outer) && offset >= outer.StartOffset && offset < End(outer);

    /// <summary>The nodes of a start-sorted list (as <c>Index.OfType</c> returns) that lie inside <paramref name="container"/>.</summary>
    public static IEnumerable<T> Within<T>(IReadOnlyList<T> sorted, TSqlFragment container) where T : TSqlFragment
    {
        if (!HasSpan(container)) yield break;
        int end = End(container);
        for (int i = LowerBound(sorted, container.StartOffset); i < sorted.Count && sorted[i].StartOffset < end; i++)
            if (End(sorted[i]) <= end && !ReferenceEquals(sorted[i], container)) yield return sorted[i];
    }

    /// <summary>True when some node of the start-sorted list lies inside <paramref name="container"/>.</summary>
    public static bool AnyWithin<T>(IReadOnlyList<T> sorted, TSqlFragment container, Func<T, bool>? predicate = null) where T : TSqlFragment
    {
        foreach (var n in Within(sorted, container))
            if (predicate is null || predicate(n)) return true;
        return false;
    }

    /// <summary>The innermost node of a start-sorted list whose span contains <paramref name="node"/> (itself excluded).</summary>
    public static T? Innermost<T>(IReadOnlyList<T> sorted, TSqlFragment node, Func<T, bool>? predicate = null) where T : TSqlFragment
    {
        if (!HasSpan(node)) return null;
        for (int i = UpperBound(sorted, node.StartOffset) - 1; i >= 0; i--)
        {
            var c = sorted[i];
            if (ReferenceEquals(c, node) || !Contains(c, node)) continue;
            if (predicate is null || predicate(c)) return c;
        }
        return null;
    }

    /// <summary>
    /// Properly nested nodes (statements, blocks, modules) with parent links, for innermost-container
    /// lookups in O(log n + depth) — a linear scan back would be quadratic on long scripts.
    /// </summary>
    public sealed class SpanTree<T> where T : TSqlFragment
    {
        private readonly List<T> _nodes;
        private readonly int[] _parent;

        public SpanTree(IEnumerable<T> nodes)
        {
            _nodes = nodes.Where(n => HasSpan(n)).ToList();
            // Outer first on equal starts, so a node's container always precedes it.
            _nodes.Sort((a, b) => a.StartOffset != b.StartOffset ? a.StartOffset.CompareTo(b.StartOffset) : b.FragmentLength.CompareTo(a.FragmentLength));
            _parent = new int[_nodes.Count];
            var stack = new Stack<int>();
            for (int i = 0; i < _nodes.Count; i++)
            {
                while (stack.Count > 0 && !Contains(_nodes[stack.Peek()], _nodes[i])) stack.Pop();
                _parent[i] = stack.Count > 0 ? stack.Peek() : -1;
                stack.Push(i);
            }
        }

        public int Count => _nodes.Count;

        /// <summary>The innermost node containing <paramref name="node"/>, never <paramref name="node"/> itself.</summary>
        public T? Innermost(TSqlFragment node)
        {
            if (!HasSpan(node) || _nodes.Count == 0) return null;
            int lo = 0, hi = _nodes.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_nodes[mid].StartOffset <= node.StartOffset) lo = mid + 1; else hi = mid;
            }
            for (int i = lo - 1; i >= 0; i = _parent[i])
                if (!ReferenceEquals(_nodes[i], node) && Contains(_nodes[i], node)) return _nodes[i];
            return null;
        }
    }

    /// <summary>Index of the first node of a start-sorted list that starts at or after <paramref name="offset"/>.</summary>
    public static int LowerBound<T>(IReadOnlyList<T> sorted, int offset) where T : TSqlFragment
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid].StartOffset < offset) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Index of the first node of a start-sorted list that starts after <paramref name="offset"/>.</summary>
    public static int UpperBound<T>(IReadOnlyList<T> sorted, int offset) where T : TSqlFragment
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid].StartOffset <= offset) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// <see cref="RuleContext.TransformationAt"/> with a binary search: modules (procedures, views, functions) do not
    /// overlap, so the one containing an offset is found in O(log n); outside them the first script transformation
    /// covering the offset answers, as TransformationAt does. Build once per Check when looking up many nodes.
    /// </summary>
    public sealed class TransformationLookup
    {
        private readonly List<TransformationAnalysis> _modules;
        private readonly List<TransformationAnalysis> _scripts;

        public TransformationLookup(RuleContext context)
        {
            _modules = context.Transformations.Where(t => t.Transformation.Kind != TransformationKind.Script)
                .OrderBy(t => t.Transformation.BodyRange.StartOffset).ToList();
            _scripts = context.Transformations.Where(t => t.Transformation.Kind == TransformationKind.Script).ToList();
        }

        public TransformationAnalysis? At(TSqlFragment node)
        {
            int offset = node.StartOffset;
            int lo = 0, hi = _modules.Count;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_modules[mid].Transformation.BodyRange.StartOffset <= offset) lo = mid + 1; else hi = mid;
            }
            if (lo > 0 && _modules[lo - 1].Transformation.BodyRange.Contains(offset)) return _modules[lo - 1];
            foreach (var s in _scripts)
                if (s.Transformation.BodyRange.Contains(offset)) return s;
            return null;
        }
    }

    // ---- expressions -------------------------------------------------------------------------

    public static ScalarExpression Unparen(ScalarExpression e)
    {
        while (e is ParenthesisExpression p && p.Expression is not null) e = p.Expression;
        return e;
    }

    public static BooleanExpression Unparen(BooleanExpression e)
    {
        while (e is BooleanParenthesisExpression p && p.Expression is not null) e = p.Expression;
        return e;
    }

    public static QueryExpression Unparen(QueryExpression e)
    {
        while (e is QueryParenthesisExpression p && p.QueryExpression is not null) e = p.QueryExpression;
        return e;
    }

    /// <summary>
    /// The operands of a top-level AND chain, left to right. With <paramref name="throughParentheses"/>
    /// a parenthesised AND is flattened too (good for analysis, not for text edits).
    /// </summary>
    public static List<BooleanExpression> Conjuncts(BooleanExpression e, bool throughParentheses = false)
    {
        var list = new List<BooleanExpression>();
        Add(e);
        return list;

        void Add(BooleanExpression x)
        {
            if (x is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and)
            {
                Add(and.FirstExpression);
                Add(and.SecondExpression);
            }
            else if (throughParentheses && x is BooleanParenthesisExpression p && Unparen(p) is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } inner)
            {
                Add(inner);
            }
            else list.Add(x);
        }
    }

    /// <summary>The operands of an OR chain (through parentheses).</summary>
    public static List<BooleanExpression> Disjuncts(BooleanExpression e)
    {
        var list = new List<BooleanExpression>();
        Add(e);
        return list;

        void Add(BooleanExpression x)
        {
            x = Unparen(x);
            if (x is BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } or)
            {
                Add(or.FirstExpression);
                Add(or.SecondExpression);
            }
            else list.Add(x);
        }
    }

    public static bool IsColumn(ScalarExpression? e) =>
        e is ColumnReferenceExpression { ColumnType: ColumnType.Regular, MultiPartIdentifier.Count: > 0 };

    /// <summary>The table-or-alias part of a column reference (<c>c</c> in <c>c.[Customer Key]</c>), if written.</summary>
    public static string? Qualifier(ColumnReferenceExpression c)
    {
        var ids = c.MultiPartIdentifier?.Identifiers;
        return ids is { Count: >= 2 } ? ids[^2].Value : null;
    }

    public static string? ColumnName(ColumnReferenceExpression c)
    {
        var ids = c.MultiPartIdentifier?.Identifiers;
        return c.ColumnType == ColumnType.Regular && ids is { Count: > 0 } ? ids[^1].Value : null;
    }

    public static bool SameName(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>An integer literal, possibly parenthesised (<c>TOP (0)</c>).</summary>
    public static bool TryInteger(ScalarExpression? e, out long value)
    {
        value = 0;
        if (e is null) return false;
        e = Unparen(e);
        if (e is IntegerLiteral lit) return long.TryParse(lit.Value, out value);
        if (e is NumericLiteral num && decimal.TryParse(num.Value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue)
        {
            value = (long)d;
            return true;
        }
        return false;
    }

    /// <summary>Every node of type <typeparamref name="T"/> in a small subtree (optionally not entering nested queries).</summary>
    public static List<T> Descendants<T>(TSqlFragment? root, bool intoSubqueries = true) where T : TSqlFragment
    {
        var found = new List<T>();
        if (root is not null) root.Accept(new Collector<T>(found, intoSubqueries, root));
        return found;
    }

    private sealed class Collector<T>(List<T> found, bool intoSubqueries, TSqlFragment root) : TSqlFragmentVisitor where T : TSqlFragment
    {
        public override void Visit(TSqlFragment node)
        {
            if (node is T t) found.Add(t);
        }

        public override void ExplicitVisit(ScalarSubquery node)
        {
            if (intoSubqueries || ReferenceEquals(node, root)) base.ExplicitVisit(node);
            else if (node is T t) found.Add(t);
        }

        public override void ExplicitVisit(QueryDerivedTable node)
        {
            if (intoSubqueries || ReferenceEquals(node, root)) base.ExplicitVisit(node);
            else if (node is T t) found.Add(t);
        }
    }

    // ---- NULL handling -----------------------------------------------------------------------

    // Built-ins that return NULL whenever the argument that carries the column is NULL.
    private static readonly HashSet<string> NullPropagatingFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "YEAR", "MONTH", "DAY", "DATEPART", "DATENAME", "DATEADD", "DATEDIFF", "DATEDIFF_BIG", "EOMONTH", "DATETRUNC",
        "UPPER", "LOWER", "LTRIM", "RTRIM", "TRIM", "SUBSTRING", "LEN", "DATALENGTH", "REPLACE", "REVERSE", "STUFF",
        "ABS", "ROUND", "FLOOR", "CEILING", "SIGN", "SQRT", "POWER",
    };

    /// <summary>True when <paramref name="e"/> is NULL whenever a column matched by <paramref name="isTarget"/> is NULL.</summary>
    public static bool PropagatesNull(ScalarExpression? e, Func<ColumnReferenceExpression, bool> isTarget) => e is not null && Unparen(e) switch
    {
        ColumnReferenceExpression c => IsColumn(c) && isTarget(c),
        BinaryExpression b => PropagatesNull(b.FirstExpression, isTarget) || PropagatesNull(b.SecondExpression, isTarget),
        UnaryExpression u => PropagatesNull(u.Expression, isTarget),
        CastCall c => PropagatesNull(c.Parameter, isTarget),
        ConvertCall c => PropagatesNull(c.Parameter, isTarget),
        TryCastCall c => PropagatesNull(c.Parameter, isTarget),
        TryConvertCall c => PropagatesNull(c.Parameter, isTarget),
        LeftFunctionCall l => l.Parameters.Any(p => PropagatesNull(p, isTarget)),
        RightFunctionCall r => r.Parameters.Any(p => PropagatesNull(p, isTarget)),
        FunctionCall f when f.CallTarget is null && f.OverClause is null && NullPropagatingFunctions.Contains(f.FunctionName?.Value ?? "") =>
            f.Parameters.Any(p => PropagatesNull(p, isTarget)),
        _ => false,
    };

    /// <summary>
    /// True when the predicate cannot be TRUE while the matched column is NULL: a comparison, LIKE,
    /// IN or BETWEEN on a NULL-propagating expression of it, IS NOT NULL, or an OR/AND of such.
    /// ISNULL/COALESCE, IS NULL and CASE keep NULLs alive and are not counted.
    /// </summary>
    public static bool RejectsNull(BooleanExpression? e, Func<ColumnReferenceExpression, bool> isTarget)
    {
        if (e is null) return false;
        switch (Unparen(e))
        {
            case BooleanComparisonExpression c:
                return PropagatesNull(c.FirstExpression, isTarget) || PropagatesNull(c.SecondExpression, isTarget);
            case LikePredicate l:
                return PropagatesNull(l.FirstExpression, isTarget) || PropagatesNull(l.SecondExpression, isTarget);
            case InPredicate i:
                return PropagatesNull(i.Expression, isTarget);
            case BooleanTernaryExpression t:
                return PropagatesNull(t.FirstExpression, isTarget);
            case BooleanIsNullExpression n:
                return n.IsNot && PropagatesNull(n.Expression, isTarget);
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and:
                return RejectsNull(and.FirstExpression, isTarget) || RejectsNull(and.SecondExpression, isTarget);
            case BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.Or } or:
                return RejectsNull(or.FirstExpression, isTarget) && RejectsNull(or.SecondExpression, isTarget);
            default:
                return false;
        }
    }

    // ---- tables a query sees ------------------------------------------------------------------

    /// <summary>A table (or derived table / CTE reference) visible in a FROM clause, by the name columns use for it.</summary>
    public sealed record TableSource(string ExposedName, TableReference Reference, QualifiedName? Table, bool NullExtended);

    /// <summary>The tables of a FROM clause (joins flattened, derived tables not entered).</summary>
    public static List<TableSource> Sources(FromClause? from)
    {
        var list = new List<TableSource>();
        if (from is null) return list;
        foreach (var r in from.TableReferences) AddSources(r, false, list);
        return list;
    }

    /// <summary>
    /// The FROM-clause source an UPDATE or DELETE modifies, bound as SQL Server binds it: a one-part target that
    /// is the name a FROM source is exposed by (an alias, or an unaliased table's name) is that source; otherwise
    /// the target is a table, and the FROM clause's only reference to it, aliased or not, is the row source the
    /// statement changes (`UPDATE dbo.T ... FROM #s JOIN dbo.T AS t`); with several references, the one without an
    /// alias. Null when the FROM clause does not name the target (or there is no FROM clause).
    /// </summary>
    public static TableSource? TargetSource(UpdateDeleteSpecificationBase spec, IReadOnlyList<TableSource>? sources = null)
    {
        if (spec.FromClause is null || spec.Target is not NamedTableReference { SchemaObject.BaseIdentifier: { } baseId } target) return null;
        sources ??= Sources(spec.FromClause);
        if (target.SchemaObject.SchemaIdentifier is null)
            foreach (var s in sources)
                if (SameName(s.ExposedName, baseId.Value)) return s;
        var name = DdlReader.NameOf(target.SchemaObject);
        var same = sources.Where(s => s.Reference is NamedTableReference && s.Table == name).ToList();
        if (same.Count == 1) return same[0];
        var unaliased = same.Where(s => s.Reference is NamedTableReference { Alias: null }).ToList();
        return unaliased.Count == 1 ? unaliased[0] : null;
    }

    public static void AddSources(TableReference? r, bool nullExtended, List<TableSource> list)
    {
        foreach (var leaf in JoinTree.Leaves(r, nullExtended))
            switch (leaf.Source)
            {
                case NamedTableReference n when n.SchemaObject?.BaseIdentifier is not null:
                    list.Add(new TableSource(n.Alias?.Value ?? n.SchemaObject.BaseIdentifier.Value, n, DdlReader.NameOf(n.SchemaObject), leaf.NullExtended));
                    break;
                case VariableTableReference v:
                    list.Add(new TableSource(v.Alias?.Value ?? v.Variable.Name, v, new QualifiedName(null, v.Variable.Name), leaf.NullExtended));
                    break;
                case TableReferenceWithAlias a when a.Alias is not null:
                    list.Add(new TableSource(a.Alias.Value, a, null, leaf.NullExtended));
                    break;
            }
    }

    /// <summary>The source a column reference belongs to: by qualifier, or (unqualified) the only source, or the only one whose definition has the column.</summary>
    public static TableSource? SourceOf(ColumnReferenceExpression column, IReadOnlyList<TableSource> sources, Func<TableSource, TableDef?> definition)
    {
        var qualifier = Qualifier(column);
        if (qualifier is not null)
        {
            foreach (var s in sources)
                if (SameName(s.ExposedName, qualifier)) return s;
            return null;
        }
        if (sources.Count == 1) return sources[0];
        var name = ColumnName(column);
        TableSource? found = null;
        foreach (var s in sources)
        {
            var def = definition(s);
            if (def is null) return null; // an unknown table might hold the column too
            if (def.FindColumn(name ?? "") is null) continue;
            if (found is not null) return null;
            found = s;
        }
        return found;
    }

    /// <summary>
    /// Table definitions a rule can look up: the workspace catalog, plus #temp tables and table
    /// variables declared in this document (the nearest declaration before the use wins).
    /// </summary>
    public sealed class Tables
    {
        private readonly RuleContext _context;
        private List<(string Name, int Offset, TableDef Def)>? _local;

        public Tables(RuleContext context) => _context = context;

        public TableDef? Find(QualifiedName name, TSqlFragment at)
        {
            if (!name.IsLocal) return _context.Catalog.Find(name);
            _local ??= ReadLocal();
            TableDef? best = null;
            foreach (var (n, offset, def) in _local)
                if (offset <= at.StartOffset && SameName(n, name.Name)) best = def;
            return best;
        }

        public TableDef? Find(TableSource source) => source.Table is { } t ? Find(t, source.Reference) : null;

        private List<(string, int, TableDef)> ReadLocal()
        {
            var list = new List<(string, int, TableDef)>();
            foreach (var c in _context.Index.OfType<CreateTableStatement>())
                if (c.SchemaObjectName?.BaseIdentifier?.Value is { } n && n.StartsWith('#') && c.Definition is not null)
                    list.Add((n, c.StartOffset, DdlReader.ReadTable(_context.Document, c, _context.Catalog.AliasTypes)));
            foreach (var d in _context.Index.OfType<DeclareTableVariableBody>())
                if (d.VariableName?.Value is { } n && d.Definition is not null)
                    list.Add((n, d.StartOffset, DdlReader.ReadDeclaredTable(_context.Document, new QualifiedName(null, n), d.Definition, d, _context.Catalog.AliasTypes)));
            return list;
        }
    }

    // ---- tokens and text ---------------------------------------------------------------------

    public static bool IsTrivia(TSqlParserToken t) =>
        t.TokenType is TSqlTokenType.WhiteSpace or TSqlTokenType.SingleLineComment or TSqlTokenType.MultilineComment;

    /// <summary>Index of the nearest non-trivia token before <paramref name="index"/>, or -1.</summary>
    public static int PreviousToken(IList<TSqlParserToken> tokens, int index)
    {
        for (int i = index - 1; i >= 0; i--)
            if (!IsTrivia(tokens[i])) return i;
        return -1;
    }

    /// <summary>Index of the nearest non-trivia token after <paramref name="index"/>, or -1.</summary>
    public static int NextToken(IList<TSqlParserToken> tokens, int index)
    {
        for (int i = index + 1; i < tokens.Count; i++)
            if (!IsTrivia(tokens[i])) return i;
        return -1;
    }

    public static int TokenEnd(TSqlParserToken t) => t.Offset + (t.Text?.Length ?? 0);

    /// <summary>The line break the document uses (CRLF if it has any, else LF).</summary>
    public static string NewLine(string text) => text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";

    /// <summary>The whitespace before <paramref name="offset"/> on its line, or null if something else precedes it there.</summary>
    public static string? Indentation(string text, int offset)
    {
        int start = offset;
        while (start > 0 && text[start - 1] is ' ' or '\t') start--;
        if (start > 0 && text[start - 1] is not ('\n' or '\r')) return null;
        return text.Substring(start, offset - start);
    }

    /// <summary>The start of the whitespace that precedes <paramref name="offset"/> (so a removal takes it along).</summary>
    public static int SkipWhitespaceBack(string text, int offset)
    {
        while (offset > 0 && char.IsWhiteSpace(text[offset - 1])) offset--;
        return offset;
    }

    /// <summary>The text of [<paramref name="start"/>, <paramref name="end"/>) with non-overlapping local edits applied.</summary>
    public static string Rewrite(string text, int start, int end, IEnumerable<(int Start, int End, string Text)> edits)
    {
        var sb = new System.Text.StringBuilder();
        int at = start;
        foreach (var e in edits.Where(e => e.Start >= start && e.End <= end).OrderBy(e => e.Start).ThenBy(e => e.End))
        {
            if (e.Start < at) continue; // overlapping: keep the first
            sb.Append(text, at, e.Start - at).Append(e.Text);
            at = e.End;
        }
        return sb.Append(text, at, end - at).ToString();
    }

    private static readonly HashSet<string> ShortKeywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "as", "by", "if", "in", "is", "of", "on", "or", "to", "add", "all", "and", "any", "asc", "end", "for", "key", "not", "set", "top", "use",
    };

    /// <summary>
    /// A fresh, short table alias built from the initials of the table's name (<c>Dim.[Sales Customer]</c> → <c>sc</c>),
    /// avoiding keywords and every name <paramref name="taken"/> reports as in use.
    /// </summary>
    public static string NewAlias(string tableName, Func<string, bool> taken)
    {
        var initials = new System.Text.StringBuilder();
        for (int i = 0; i < tableName.Length; i++)
        {
            char c = tableName[i];
            if (!char.IsLetter(c)) continue;
            bool wordStart = i == 0 || !char.IsLetter(tableName[i - 1]) || (char.IsUpper(c) && char.IsLower(tableName[i - 1]));
            if (wordStart) initials.Append(char.ToLowerInvariant(c));
        }
        var stem = initials.Length == 0 ? "t" : initials.ToString();
        if (stem.Length > 4) stem = stem[..4];
        var candidate = stem;
        for (int n = 1; ShortKeywords.Contains(candidate) || taken(candidate); n++) candidate = stem + n;
        return candidate;
    }

    /// <summary>A short form of a fragment's text for messages (one line, at most ~60 characters).</summary>
    public static string Short(RuleContext context, TSqlFragment f, int max = 60)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(context.TextOf(f), @"\s+", " ").Trim();
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }
}
