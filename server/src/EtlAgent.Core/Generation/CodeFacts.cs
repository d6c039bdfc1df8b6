using EtlAgent.Core.Catalog;
using EtlAgent.Core.WorkspaceModel;
using System.Globalization;
using EtlAgent.Core.Lineage;
using EtlAgent.Core.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Generation;

/// <summary>
/// What the code of a transformation (and the procedures it calls) says about interesting data:
/// the tables it reads and writes, literals it compares with, the values variables are set to,
/// columns it converts to another type, and pairs of columns it equates (join keys).
/// Column facts are keyed by column name (case-insensitive): temp tables and CTEs hide the base
/// table, and a same-named column in another table is almost always the same business attribute.
/// </summary>
public sealed partial class CodeFacts
{
    public HashSet<QualifiedName> Reads { get; } = new();
    public HashSet<QualifiedName> Writes { get; } = new();
    public List<TransformationAnalysis> Closure { get; } = new();

    /// <summary>Tables the code inserts into or merges into (a table it only updates or deletes from in place, such as staging it tidies, is still an input).</summary>
    public HashSet<QualifiedName> Inserted { get; } = new();

    /// <summary>Column name → literals it is compared with (directly or through a variable set to a literal).</summary>
    public Dictionary<string, List<object>> ColumnLiterals { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Column name → type the code converts it to (TRY_CONVERT(int, s.[Quantity])).</summary>
    public Dictionary<string, string> Conversions { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Column name → literals the code assigns to it (UPDATE … SET [Is Orphan] = 1, MERGE … UPDATE SET).</summary>
    public Dictionary<string, List<object>> AssignedLiterals { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Pairs of column names the code compares for equality.</summary>
    public List<(string A, string B)> Equalities { get; } = new();

    /// <summary>Every column name the code mentions (variations are made only for these).</summary>
    public HashSet<string> MentionedColumns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Column names that appear in a comparison (boundaries are tried only for these).</summary>
    public HashSet<string> ComparedColumns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Parameter of the transformation → columns the code compares it with (WHERE [Lineage Key] = @LineageKey).</summary>
    public Dictionary<string, List<string>> ParameterColumns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parameter → each comparison of a column with it, as "column op parameter" (WHERE s.[Valid From] &lt;= @AsOf
    /// gives ("Valid From", "&lt;=")), so the parameter can be chosen to let the rows through.
    /// </summary>
    public Dictionary<string, List<(string Column, string Op)>> ParameterComparisons { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parameter → columns the code compares with what it made of the parameter (a variable set from
    /// it, a list split into a table variable's rows; <see cref="ParameterFlow"/>), all as equalities:
    /// a guard that the value names a row (NOT IN (SELECT [Schedule Name] FROM …) RAISERROR). Weaker
    /// than <see cref="ParameterComparisons"/>, so tried after them.
    /// </summary>
    public Dictionary<string, List<string>> ParameterFlowColumns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Parameter → the separator the code splits it on (STRING_SPLIT(@Ids, ',')): a list that can name several rows at once.</summary>
    public Dictionary<string, string> ListParameters { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Columns of <see cref="ParameterFlowColumns"/>: the value must come through the code's
    /// reshaping (REPLACE of spaces, a split on commas, TRIM) unchanged, so rows hold plain tokens there.
    /// </summary>
    public HashSet<string> TokenColumns { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Variable → the table columns the code inserts it into (INSERT INTO Log.Step ([Run ID]) VALUES (@RunID))
    /// or sets them to (UPDATE … SET [system_key] = @system_key, also in a MERGE), so a parameter written
    /// into a foreign key gets its parent row: without it every call that updates a row fails with 547.
    /// </summary>
    public Dictionary<string, List<(QualifiedName Table, string Column)>> InsertedVariables { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parameter → literals the code tests it (or a variable set from it) against: IF @Status NOT IN
    /// ('Succeeded', 'Failed') THROW …, IF @Mode = 'Full' …, CASE @Kind WHEN 'H' …. The values the
    /// code tells apart, so each is tried as an input.
    /// </summary>
    public Dictionary<string, List<object>> ParameterLiterals { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Parameters of <see cref="ParameterLiterals"/> checked against a list of literals (IN or NOT IN):
    /// a guard naming the values it accepts, so the base inputs take the first of them.
    /// </summary>
    public HashSet<string> ListedParameters { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Constants the code writes into a table's column, directly or through a variable set to one
    /// (VALUES (@RunID, 1, ''), UPDATE … SET [State] = @Done after DECLARE @Done int = 3, a literal
    /// passed to a callee that writes its parameter), so a foreign key there gets the row it names.
    /// </summary>
    public List<(QualifiedName Table, string Column, object Value)> WrittenConstants { get; } = new();

    /// <summary>The procedure itself RETURNs a value (RETURN (@_Error), RETURN -1): a status its callers can branch on.</summary>
    public bool ReturnsStatus { get; private set; }

    /// <summary>
    /// Column name → literals it is tested equal to (s.[Status] = 3, [Kind] IN ('X', 'Y'): the first),
    /// so the base rows meet every such filter at once, not one per variation.
    /// </summary>
    public Dictionary<string, List<object>> FilterLiterals { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Columns compared with another column by = or &lt;&gt; (s.[City] &lt;&gt; d.[City]): change detection and join keys.</summary>
    public HashSet<string> ColumnToColumn { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Stored hash columns the code compares with HASHBYTES of other values, with that call.</summary>
    public List<(string Column, FunctionCall Hash)> StoredHashes { get; } = new();

    /// <summary>Parameter → the JSON the code reads from it (OPENJSON, JSON_VALUE), so it gets a document of that shape.</summary>
    public Dictionary<string, JsonShape> JsonParameters { get; private set; } = new(StringComparer.OrdinalIgnoreCase);

    public List<DateTime> DateLiterals { get; } = new();
    public List<decimal> NumberLiterals { get; } = new();
    public List<string> StringLiterals { get; } = new();

    public static CodeFacts Collect(WorkspaceAnalysis workspace, TransformationAnalysis root)
    {
        var facts = new CodeFacts();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<TransformationAnalysis>();
        queue.Enqueue(root);
        while (queue.Count > 0)
        {
            var t = queue.Dequeue();
            if (!seen.Add(t.Transformation.Name)) continue;
            facts.Closure.Add(t);
            foreach (var r in t.Transformation.Reads) facts.Reads.Add(r);
            foreach (var w in t.Transformation.Writes) facts.Writes.Add(w);
            DynamicAccess(facts, t);
            foreach (var c in t.Transformation.Calls)
                if (workspace.FindTransformation(c.ToString()) is { } callee) queue.Enqueue(callee);
            // views the code reads: their tables are the ones that need rows, their filters say which rows they let through
            foreach (var r in t.Transformation.Reads)
                if (workspace.Catalog.Find(r) is { Kind: TableKind.View } && workspace.FindTransformation(r.ToString()) is { Transformation.Kind: TransformationKind.View } view)
                    queue.Enqueue(view);
            // functions the code uses (a view over a table-valued function reads what the function reads)
            if (t.HasSyntax)
            {
                var functions = new FunctionNames();
                foreach (var f in t.Syntax.Body) f.Accept(functions);
                foreach (var name in functions.Names)
                    if (workspace.FindTransformation(name) is { Transformation.Kind: TransformationKind.Function } fn) queue.Enqueue(fn);
            }
        }
        var variableLiterals = new Dictionary<string, List<object>>(StringComparer.OrdinalIgnoreCase);
        var comparisons = new List<(string Column, ScalarExpression Other, string Op, QualifiedName? Table)>();
        // columns compared with columns for equality (a join, x IN (SELECT y …)): a parameter's flow crosses them
        var columnPairs = new List<(string A, string B)>();
        // literals tested inside CASE/IIF pick out special values (WHEN [Order Date] = 0 THEN NULL), not rows to keep
        var inCase = new HashSet<ScalarExpression>(ReferenceEqualityComparer.Instance);
        // variables tested against literals (@Status NOT IN ('Succeeded', 'Failed')): parameters once the flow is known
        var variableTests = new List<(VariableReference Variable, object Value, bool Listed)>();
        var writes = new List<(QualifiedName Table, string Column, ScalarExpression Value)>();
        var caseOnly = new HashSet<(string, object)>(new ColumnValueComparer());
        var outsideCase = new HashSet<(string, object)>(new ColumnValueComparer());
        var constantFunctions = ConstantFunctions.Of(facts.Closure);
        foreach (var t in facts.Closure)
        {
            var visitor = new Visitor(facts, variableLiterals, comparisons, inCase, columnPairs, variableTests, writes) { Resolve = workspace.Catalog.Resolve, Constants = constantFunctions };
            foreach (var f in t.Syntax.Body) f.Accept(visitor);
            // the columns a dynamic INSERT … SELECT copies are the code's as much as the body's (a NULL there fails its insert)
            foreach (var f in facts._dynamic.GetValueOrDefault(t) ?? new()) f.Accept(visitor);
        }
        ImplicitConversions(facts, workspace.Catalog);
        CollectDrops(facts, facts.Closure.Where(t => t.HasSyntax).SelectMany(t => t.Syntax.Body), workspace.Catalog.Resolve);
        SplitListConversions.Collect(facts, facts.Closure.Where(t => t.HasSyntax).SelectMany(t => t.Syntax.Body));
        WorkTableCopies(facts);
        facts.JsonParameters = JsonShape.Collect(facts.Closure.SelectMany(t => t.Syntax.Body), workspace.Catalog.AliasTypes);
        if (root.Transformation.Kind == TransformationKind.Procedure && root.HasSyntax)
        {
            var returns = new StatusReturns();
            foreach (var f in root.Syntax.Body) f.Accept(returns);
            facts.ReturnsStatus = returns.Found;
            facts.AsksForTransaction = ReadsTransactionState(root.Syntax.Body);
            facts.CatchStarts = CatchBlockStarts(root.Document.Path, root.Syntax.Body);
        }
        // A three-part name of the workspace's own database is its own table, as in the reads and writes.
        var inserted = facts.Inserted.Select(workspace.Catalog.Resolve).ToList();
        facts.Inserted.Clear();
        facts.Inserted.UnionWith(inserted);
        foreach (var (table, column, value) in writes)
        {
            var constants = value switch
            {
                Literal l when LiteralValue(l) is { } v => new List<object> { v },
                VariableReference v => variableLiterals.GetValueOrDefault(v.Name) ?? new List<object>(),
                _ => new List<object>(),
            };
            foreach (var c in constants)
            {
                var written = (workspace.Catalog.Resolve(table), column, c);
                if (!facts.WrittenConstants.Contains(written)) facts.WrittenConstants.Add(written);
            }
        }
        var parameters = root.Transformation.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var flow = ParameterFlow.Follow(root.Transformation.Parameters.Where(p => !p.IsOutput).Select(p => p.Name),
            facts.Closure.Where(t => t.HasSyntax).SelectMany(t => t.Syntax.Body).ToList());
        foreach (var (parameter, separator) in flow.Separators) facts.ListParameters[parameter] = separator;
        void Flows(string parameter, string column)
        {
            if (!facts.ParameterFlowColumns.TryGetValue(parameter, out var list)) facts.ParameterFlowColumns[parameter] = list = new();
            if (!list.Contains(column, StringComparer.OrdinalIgnoreCase)) list.Add(column);
            facts.TokenColumns.Add(column);
        }
        foreach (var (column, other, op, table) in comparisons)
        {
            // a comparison with the parameter itself is one of ParameterComparisons
            if (op != "=" || other is VariableReference direct && parameters.Contains(direct.Name)) continue;
            if (flow.Source(other) is { } p) Flows(p, column);
        }
        foreach (var (variable, value, listed) in variableTests)
        {
            if (flow.Source(variable) is not { } p) continue;
            if (!facts.ParameterLiterals.TryGetValue(p, out var tested)) facts.ParameterLiterals[p] = tested = new();
            if (!tested.Contains(value)) tested.Add(value);
            if (listed) facts.ListedParameters.Add(p);
        }
        // a variable read from a column and then tested (IF @Mode = N'Calls'): the column holds each value in a variation,
        // as a literal only a CASE tests does, so the base rows keep their ordinary values and the branches each get an input
        var origins = ValueOrigins.Collect(facts.Closure, workspace.Catalog.Resolve);
        foreach (var (variable, value, _) in variableTests)
            foreach (var (table, column) in origins.ColumnsOf(variable.Name))
            {
                AddTo(facts.TableColumnLiterals, table, column, value);
                caseOnly.Add((column, value));
            }
        foreach (var (a, b) in columnPairs)
        {
            if (flow.Columns.TryGetValue(a, out var pa)) Flows(pa, b);
            if (flow.Columns.TryGetValue(b, out var pb)) Flows(pb, a);
        }
        foreach (var (column, other, op, table) in comparisons)
        {
            if (other is VariableReference pv && parameters.Contains(pv.Name))
            {
                if (!facts.ParameterColumns.TryGetValue(pv.Name, out var columns)) facts.ParameterColumns[pv.Name] = columns = new();
                if (!columns.Contains(column, StringComparer.OrdinalIgnoreCase)) columns.Add(column);
                if (!facts.ParameterComparisons.TryGetValue(pv.Name, out var ops)) facts.ParameterComparisons[pv.Name] = ops = new();
                if (!ops.Contains((column, op))) ops.Add((column, op));
            }
            var values = other switch
            {
                VariableReference v => variableLiterals.GetValueOrDefault(v.Name),
                Literal l when LiteralValue(l) is { } value => new List<object> { value },
                UnaryExpression { UnaryExpressionType: UnaryExpressionType.Negative, Expression: Literal l } when LiteralValue(l) is decimal d => new List<object> { -d },
                _ => null,
            };
            if (values is null) continue;
            if (op == "=" && other is Literal or UnaryExpression && !inCase.Contains(other)) AddFilter(facts, column, values[0], table);
            if (!facts.ColumnLiterals.TryGetValue(column, out var list)) facts.ColumnLiterals[column] = list = new();
            foreach (var v in values) if (!list.Contains(v)) list.Add(v);
            foreach (var v in values) (inCase.Contains(other) ? caseOnly : outsideCase).Add((column, v));
            if (table is { } owner) foreach (var v in values) AddTo(facts.TableColumnLiterals, owner, column, v);
        }
        caseOnly.ExceptWith(outsideCase);
        facts.CaseOnlyLiterals.UnionWith(caseOnly);
        return facts;
    }

    private static void AddFilter(CodeFacts facts, string column, object value, QualifiedName? table)
    {
        if (!facts.FilterLiterals.TryGetValue(column, out var list)) facts.FilterLiterals[column] = list = new();
        if (!list.Contains(value)) list.Add(value);
        if (table is { } owner) AddTo(facts.TableFilterLiterals, owner, column, value);
    }

    public static object? LiteralValue(Literal literal) => literal switch
    {
        IntegerLiteral i when long.TryParse(i.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => (decimal)n,
        NumericLiteral n when decimal.TryParse(n.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        StringLiteral s => s.Value,
        _ => null,
    };

    /// <summary>The named tables of a FROM item, through its joins (not into derived tables).</summary>
    internal static IEnumerable<NamedTableReference> NamedTables(TableReference r) => r switch
    {
        NamedTableReference n => new[] { n },
        JoinTableReference j => NamedTables(j.FirstTableReference).Concat(NamedTables(j.SecondTableReference)),
        _ => Enumerable.Empty<NamedTableReference>(),
    };

    public static string? ColumnName(ScalarExpression e) =>
        e is ColumnReferenceExpression c && c.MultiPartIdentifier is { Count: > 0 } id ? id.Identifiers[^1].Value : null;

    private sealed class StatusReturns : TSqlFragmentVisitor
    {
        public bool Found { get; private set; }
        public override void Visit(ReturnStatement node) { if (node.Expression is not null) Found = true; }
    }

    private sealed partial class Visitor(CodeFacts facts, Dictionary<string, List<object>> variableLiterals, List<(string, ScalarExpression, string, QualifiedName?)> comparisons,
        HashSet<ScalarExpression> inCase, List<(string, string)> columnPairs, List<(VariableReference, object, bool)> variableTests,
        List<(QualifiedName, string, ScalarExpression)> writes)
        : TSqlFragmentVisitor
    {
        /// <summary>The variable a test is about: @v itself, or a tidied copy of it (UPPER(LTRIM(@v))).</summary>
        private static VariableReference? Tested(ScalarExpression e) => Strip(e) switch
        {
            VariableReference v => v,
            FunctionCall { Parameters.Count: >= 1 } f when f.FunctionName.Value.ToUpperInvariant() is "UPPER" or "LOWER" or "LTRIM" or "RTRIM" or "TRIM" or "ISNULL"
                => Tested(f.Parameters[0]),
            _ => null,
        };

        private void TestedAgainst(ScalarExpression variable, ScalarExpression literal, bool listed)
        {
            if (Tested(variable) is { } v && Strip(literal) is Literal l && LiteralValue(l) is { } value) variableTests.Add((v, value, listed));
        }

        public override void Visit(SimpleCaseExpression node)
        {
            // CASE @Kind WHEN 'H' THEN … : each WHEN value is one the code tells apart
            foreach (var w in node.WhenClauses) TestedAgainst(node.InputExpression, w.WhenExpression, listed: false);
        }

        private int _caseDepth;

        public override void ExplicitVisit(SearchedCaseExpression node) { _caseDepth++; base.ExplicitVisit(node); _caseDepth--; }
        public override void ExplicitVisit(SimpleCaseExpression node) { _caseDepth++; base.ExplicitVisit(node); _caseDepth--; }
        public override void ExplicitVisit(IIfCall node) { _caseDepth++; base.ExplicitVisit(node); _caseDepth--; }

        private void Compare(string column, QualifiedName? table, ScalarExpression other, string op)
        {
            comparisons.Add((column, other, op, table));
            if (_caseDepth > 0) inCase.Add(other);
        }

        /// <summary>x BETWEEN a AND b compares x with both bounds.</summary>
        public override void Visit(BooleanTernaryExpression node)
        {
            if (ColumnName(Strip(node.FirstExpression)) is not { } column) return;
            facts.ComparedColumns.Add(column);
            bool not = node.TernaryExpressionType == BooleanTernaryExpressionType.NotBetween;
            var table = TableOf(Strip(node.FirstExpression));
            comparisons.Add((column, Strip(node.SecondExpression), not ? "<" : ">=", table));
            comparisons.Add((column, Strip(node.ThirdExpression), not ? ">" : "<=", table));
        }

        public override void Visit(BooleanComparisonExpression node)
        {
            var a = Valued(Strip(node.FirstExpression));
            var b = Valued(Strip(node.SecondExpression));
            // ISNULL([Is Cancelled], 0) = 0 (a view's filter): the column itself holding the literal lets the row through
            if (b is Literal && Defaulted(a) is { } da) a = da;
            else if (a is Literal && Defaulted(b) is { } db) b = db;
            if (b is Literal && Tidied(a) is { } ta) a = ta;
            else if (a is Literal && Tidied(b) is { } tb) b = tb;
            var ca = ColumnName(a);
            var cb = ColumnName(b);
            if (ca is not null) facts.ComparedColumns.Add(ca);
            if (cb is not null) facts.ComparedColumns.Add(cb);
            if (ca is not null && cb is not null)
            {
                if (node.ComparisonType is BooleanComparisonType.Equals or BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation)
                {
                    facts.ColumnToColumn.Add(ca);
                    facts.ColumnToColumn.Add(cb);
                }
                if (node.ComparisonType == BooleanComparisonType.Equals && !string.Equals(ca, cb, StringComparison.OrdinalIgnoreCase))
                    facts.Equalities.Add((ca, cb));
                if (node.ComparisonType == BooleanComparisonType.Equals) columnPairs.Add((ca, cb));
            }
            else if (ca is not null && IsHash(b) is { } hb) facts.StoredHashes.Add((ca, hb));
            else if (cb is not null && IsHash(a) is { } ha) facts.StoredHashes.Add((cb, ha));
            else if (ca is not null) Compare(ca, TableOf(a), b, Op(node.ComparisonType, flip: false));
            else if (cb is not null) Compare(cb, TableOf(b), a, Op(node.ComparisonType, flip: true));
            else if (node.ComparisonType is BooleanComparisonType.Equals or BooleanComparisonType.NotEqualToBrackets or BooleanComparisonType.NotEqualToExclamation)
            {
                TestedAgainst(a, b, listed: false);
                TestedAgainst(b, a, listed: false);
            }
        }

        /// <summary>The column of ISNULL(column, literal) or COALESCE(column, literal); null for anything else.</summary>
        private static ScalarExpression? Defaulted(ScalarExpression e)
        {
            var column = e switch
            {
                FunctionCall { Parameters: [var first, Literal] } f when f.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase) => Strip(first),
                CoalesceExpression { Expressions: [var first, Literal] } => Strip(first),
                _ => null,
            };
            return column is not null && ColumnName(column) is not null ? column : null;
        }

        private static FunctionCall? IsHash(ScalarExpression e) =>
            e is FunctionCall f && f.FunctionName.Value.Equals("HASHBYTES", StringComparison.OrdinalIgnoreCase) && f.Parameters.Count == 2 ? f : null;

        /// <summary>The comparison as "column op other"; <paramref name="flip"/> when the column is on the right.</summary>
        private static string Op(BooleanComparisonType type, bool flip)
        {
            var op = type switch
            {
                BooleanComparisonType.Equals => "=",
                BooleanComparisonType.GreaterThan => ">",
                BooleanComparisonType.GreaterThanOrEqualTo or BooleanComparisonType.NotLessThan => ">=",
                BooleanComparisonType.LessThan => "<",
                BooleanComparisonType.LessThanOrEqualTo or BooleanComparisonType.NotGreaterThan => "<=",
                _ => "<>",
            };
            return !flip ? op : op switch { ">" => "<", ">=" => "<=", "<" => ">", "<=" => ">=", _ => op };
        }

        public override void Visit(AssignmentSetClause node)
        {
            // SET [Row Hash] = HASHBYTES(…): the hash the column stores
            if (node.Column?.MultiPartIdentifier is { Count: > 0 } hid && IsHash(Strip(node.NewValue)) is { } hash) facts.StoredHashes.Add((hid.Identifiers[^1].Value, hash));
            if (node.Column?.MultiPartIdentifier is { Count: > 0 } id && Strip(node.NewValue) is Literal l && LiteralValue(l) is { } v)
            {
                var column = id.Identifiers[^1].Value;
                if (!facts.AssignedLiterals.TryGetValue(column, out var list)) facts.AssignedLiterals[column] = list = new();
                if (!list.Contains(v)) list.Add(v);
            }
        }

        public override void Visit(InPredicate node)
        {
            // x [NOT] IN (SELECT y …) equates x and y like a join key
            var column = ColumnName(Strip(node.Expression));
            if (column is not null) facts.ComparedColumns.Add(column);
            // @Status [NOT] IN ('Succeeded', 'Failed'): a guard naming the values it accepts
            if (column is null && node.Subquery is null)
                foreach (var value in node.Values) TestedAgainst(node.Expression, value, listed: true);
            // x IN (3, 7): the first value lets a row through (not for NOT IN)
            if (column is not null && !node.NotDefined && _caseDepth == 0 && node.Values is [Literal first, ..] && LiteralValue(first) is { } v) AddFilter(facts, column, v, TableOf(Strip(node.Expression)));
            if (column is not null && node.Subquery?.QueryExpression is QuerySpecification { SelectElements: [SelectScalarExpression only] }
                && ColumnName(Strip(only.Expression)) is { } other)
            {
                if (!string.Equals(column, other, StringComparison.OrdinalIgnoreCase)) facts.Equalities.Add((column, other));
                columnPairs.Add((column, other));
            }
        }

        public override void Visit(InsertSpecification node)
        {
            if (node.Target is not NamedTableReference t) return;
            var table = Name(t.SchemaObject);
            facts.Inserted.Add(table);
            if (node.Columns.Count == 0) return;
            // the values in column order: VALUES rows, or the select list of INSERT … SELECT
            var rows = node.InsertSource switch
            {
                ValuesInsertSource v => v.RowValues.Select(r => r.ColumnValues.ToList()).ToList(),
                SelectInsertSource { Select: QuerySpecification q } => new List<List<ScalarExpression>>
                    { q.SelectElements.Select(e => e is SelectScalarExpression x ? x.Expression : null!).ToList() },
                _ => new List<List<ScalarExpression>>(),
            };
            foreach (var row in rows)
                for (int i = 0; i < Math.Min(row.Count, node.Columns.Count); i++)
                    if (row[i] is { } e && node.Columns[i].MultiPartIdentifier is { Count: > 0 } id)
                    {
                        Written(table, id.Identifiers[^1].Value, e);
                        WrittenVariable(table, id.Identifiers[^1].Value, e);
                    }
        }

        public override void Visit(UpdateSpecification node)
        {
            if (node.Target is not NamedTableReference t) return;
            // UPDATE x SET … FROM Log.StepRun AS x: the alias names the table
            var target = t.SchemaObject.SchemaIdentifier is null
                ? (node.FromClause?.TableReferences.SelectMany(Named).FirstOrDefault(n => string.Equals(n.Alias?.Value, t.SchemaObject.BaseIdentifier.Value, StringComparison.OrdinalIgnoreCase)) ?? t)
                : t;
            foreach (var set in node.SetClauses.OfType<AssignmentSetClause>())
                if (set.Column?.MultiPartIdentifier is { Count: > 0 } id && set.NewValue is not null)
                {
                    Written(Name(target.SchemaObject), id.Identifiers[^1].Value, set.NewValue);
                    WrittenVariable(Name(target.SchemaObject), id.Identifiers[^1].Value, set.NewValue);
                }
        }

        public override void Visit(MergeSpecification node)
        {
            if (node.Target is not NamedTableReference t) return;
            var table = Name(t.SchemaObject);
            facts.Inserted.Add(table);
            foreach (var action in node.ActionClauses.Select(a => a.Action))
            {
                if (action is InsertMergeAction { Source: ValuesInsertSource values } insert)
                    foreach (var row in values.RowValues)
                        for (int i = 0; i < Math.Min(row.ColumnValues.Count, insert.Columns.Count); i++)
                            if (insert.Columns[i].MultiPartIdentifier is { Count: > 0 } id) Written(table, id.Identifiers[^1].Value, row.ColumnValues[i]);
                if (action is UpdateMergeAction update)
                    foreach (var set in update.SetClauses.OfType<AssignmentSetClause>())
                        if (set.Column?.MultiPartIdentifier is { Count: > 0 } id && set.NewValue is not null)
                        {
                            Written(table, id.Identifiers[^1].Value, set.NewValue);
                            WrittenVariable(table, id.Identifiers[^1].Value, set.NewValue);
                        }
            }
        }

        /// <summary>A constant or a variable the code writes into a column, resolved to constants once every assignment is seen.</summary>
        private void Written(QualifiedName table, string column, ScalarExpression value)
        {
            if (Strip(value) is Literal or VariableReference) writes.Add((table, column, Strip(value)));
        }

        /// <summary>A variable the code writes into a column as it is (see <see cref="CodeFacts.InsertedVariables"/>).</summary>
        private void WrittenVariable(QualifiedName table, string column, ScalarExpression value)
        {
            if (Strip(value) is not VariableReference v) return;
            if (!facts.InsertedVariables.TryGetValue(v.Name, out var list)) facts.InsertedVariables[v.Name] = list = new();
            if (!list.Contains((table, column))) list.Add((table, column));
        }

        private static IEnumerable<NamedTableReference> Named(TableReference r) => NamedTables(r);

        private static QualifiedName Name(SchemaObjectName n) => Catalog.DdlReader.ReferenceOf(n);

        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.MultiPartIdentifier is { Count: > 0 } id) facts.MentionedColumns.Add(id.Identifiers[^1].Value);
        }

        public override void Visit(SelectScalarExpression node)
        {
            // HASHBYTES(…) AS [Row Hash]: the hash a stored [Row Hash] is compared with
            if (node.ColumnName?.Value is { } hashAlias && IsHash(Strip(node.Expression)) is { } hash) facts.StoredHashes.Add((hashAlias, hash));
            // expr AS [Alias]: the alias carries the column's values on (temp tables, CTEs)
            if (node.ColumnName?.Value is { } alias && ColumnName(Strip(node.Expression)) is { } column && !string.Equals(alias, column, StringComparison.OrdinalIgnoreCase))
                facts.Equalities.Add((column, alias));
        }

        public override void Visit(FunctionCall node)
        {
            // ISNULL(d.[Customer Key], 0): the fallback is a value the column stands for (the unknown member)
            if (node.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase) && node.Parameters.Count == 2
                && ColumnName(Strip(node.Parameters[0])) is { } column && node.Parameters[1] is IntegerLiteral)
                comparisons.Add((column, node.Parameters[1], "fallback", TableOf(Strip(node.Parameters[0]))));
            // Cfg.GetSetting(N'AuditAll'): a literal argument is a value of the function's parameter, as
            // EXEC p @p = 'x' is; so a row the function looks up by it (WHERE [Key] = @Key) can exist
            if (node.CallTarget is MultiPartIdentifierCallTarget { MultiPartIdentifier.Count: 1 } target
                && facts.Closure.FirstOrDefault(c => c.Transformation.Kind == TransformationKind.Function && string.Equals(c.Transformation.Name,
                       $"{target.MultiPartIdentifier.Identifiers[0].Value}.{node.FunctionName.Value}", StringComparison.OrdinalIgnoreCase)) is { } function)
                for (int i = 0; i < node.Parameters.Count && i < function.Transformation.Parameters.Count; i++)
                    foreach (var value in ArgumentLiterals(node.Parameters[i]))
                        Add(function.Transformation.Parameters[i].Name, value);
        }

        /// <summary>The constants an argument may carry: a literal, ISNULL(@p, literal)'s fallback, a variable's known literals.</summary>
        private List<object> ArgumentLiterals(ScalarExpression argument) => Strip(argument) switch
        {
            Literal l when LiteralValue(l) is { } v => new() { v },
            FunctionCall { Parameters: [var first, var fallback] } f when f.FunctionName.Value.Equals("ISNULL", StringComparison.OrdinalIgnoreCase)
                => ArgumentLiterals(first).Concat(ArgumentLiterals(fallback)).ToList(),
            VariableReference v => variableLiterals.GetValueOrDefault(v.Name)?.ToList() ?? new(),
            _ => new(),
        };

        public override void Visit(DeclareVariableElement node)
        {
            if ((node.Value is null ? null : node.Value as Literal ?? Constants.Of(node.Value)) is { } l && LiteralValue(l) is { } v) Add(node.VariableName.Value, v);
        }

        public override void Visit(SetVariableStatement node)
        {
            if ((node.Expression as Literal ?? Constants.Of(node.Expression)) is { } l && LiteralValue(l) is { } v) Add(node.Variable.Name, v);
        }

        public override void Visit(ExecuteParameter node)
        {
            // EXEC p @TableName = @TableName passes the caller's literal on under the parameter's name.
            if (node.Variable is { } param && node.ParameterValue is VariableReference arg && variableLiterals.TryGetValue(arg.Name, out var values))
                foreach (var v in values.ToList()) Add(param.Name, v);
            // EXEC p @State = 3 sets the callee's parameter to a constant it may write
            if (node.Variable is { } named && node.ParameterValue is Literal l && LiteralValue(l) is { } constant) Add(named.Name, constant);
        }

        public override void Visit(ConvertCall node) => Conversion(node.DataType, node.Parameter);
        public override void Visit(TryConvertCall node) => Conversion(node.DataType, node.Parameter);
        public override void Visit(CastCall node) => Conversion(node.DataType, node.Parameter);
        public override void Visit(TryCastCall node) => Conversion(node.DataType, node.Parameter);

        public override void Visit(StringLiteral node)
        {
            if (node.Value.Length > 0 && node.Value.Length <= 100 && !facts.StringLiterals.Contains(node.Value)) facts.StringLiterals.Add(node.Value);
            if (DateTime.TryParse(node.Value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && node.Value.Length >= 8 && !facts.DateLiterals.Contains(d))
                facts.DateLiterals.Add(d);
        }

        public override void Visit(IntegerLiteral node)
        {
            if (LiteralValue(node) is decimal d && !facts.NumberLiterals.Contains(d)) facts.NumberLiterals.Add(d);
        }

        public override void Visit(NumericLiteral node)
        {
            if (LiteralValue(node) is decimal d && !facts.NumberLiterals.Contains(d)) facts.NumberLiterals.Add(d);
        }

        private void Conversion(DataTypeReference type, ScalarExpression parameter)
        {
            if (ColumnName(Untrimmed(parameter)) is { } column && type is SqlDataTypeReference s)
                facts.Conversions.TryAdd(column, s.SqlDataTypeOption.ToString().ToLowerInvariant());
        }

        private void Add(string variable, object value)
        {
            if (!variableLiterals.TryGetValue(variable, out var list)) variableLiterals[variable] = list = new();
            if (!list.Contains(value)) list.Add(value);
        }

        /// <summary>
        /// The column a conversion reads through the trims staged text gets first (CAST(LTRIM(RTRIM(s.[Month])) AS int)):
        /// trimming changes no digit, so the text must hold what the conversion needs.
        /// </summary>
        private static ScalarExpression Untrimmed(ScalarExpression e) => Strip(e) switch
        {
            FunctionCall { Parameters: [var text] } f when Trims.Contains(f.FunctionName.Value) => Untrimmed(text),
            var other => other,
        };

        private static readonly HashSet<string> Trims = new(StringComparer.OrdinalIgnoreCase) { "LTRIM", "RTRIM", "TRIM" };

        private static ScalarExpression Strip(ScalarExpression e) => e switch
        {
            ParenthesisExpression p => Strip(p.Expression),
            ConvertCall c => Strip(c.Parameter),
            TryConvertCall c => Strip(c.Parameter),
            CastCall c => Strip(c.Parameter),
            _ => e,
        };
    }
}

/// <summary>Schema-qualified functions a fragment calls: table-valued (FROM Dim.F(…)) and scalar (Dim.F(…)).</summary>
internal sealed class FunctionNames : TSqlFragmentVisitor
{
    public List<string> Names { get; } = new();

    public override void Visit(SchemaObjectFunctionTableReference node) =>
        Names.Add($"{node.SchemaObject.SchemaIdentifier?.Value ?? "dbo"}.{node.SchemaObject.BaseIdentifier.Value}");

    public override void Visit(FunctionCall node)
    {
        if (node.CallTarget is MultiPartIdentifierCallTarget { MultiPartIdentifier.Count: 1 } target)
            Names.Add($"{target.MultiPartIdentifier.Identifiers[0].Value}.{node.FunctionName.Value}");
    }
}
