using EtlAgent.Core.Model;
using EtlAgent.Core.Syntax;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace EtlAgent.Core.Catalog;

/// <summary>Reads CREATE TABLE / CREATE TYPE ... AS TABLE / CREATE SEQUENCE into catalog records.</summary>
public static class DdlReader
{
    public static QualifiedName NameOf(SchemaObjectName name) =>
        new(name.SchemaIdentifier?.Value, name.BaseIdentifier?.Value ?? "");

    /// <summary>
    /// The name a reference (not a definition) means: a three-part name keeps its database, which
    /// <see cref="SchemaCatalog.Resolve"/> maps to the workspace's own object when that is meant.
    /// </summary>
    public static QualifiedName ReferenceOf(SchemaObjectName name) =>
        new(name.DatabaseIdentifier?.Value, name.SchemaIdentifier?.Value, name.BaseIdentifier?.Value ?? "");

    public static TableDef ReadTable(SqlDocument doc, CreateTableStatement create, AliasTypes aliases)
    {
        var ignored = new List<string>();
        foreach (var option in create.Options)
        {
            switch (option)
            {
                case MemoryOptimizedTableOption: ignored.Add("MEMORY_OPTIMIZED"); break;
                case DurabilityTableOption: ignored.Add("DURABILITY"); break;
                default: ignored.Add(option.OptionKind.ToString()); break;
            }
        }
        if (create.OnFileGroupOrPartitionScheme is not null) ignored.Add("ON filegroup/partition scheme");
        if (create.TextImageOn is not null) ignored.Add("TEXTIMAGE_ON");
        if (create.FileStreamOn is not null) ignored.Add("FILESTREAM_ON");
        if (create.AsNode || create.AsEdge) ignored.Add("graph table");
        return Read(doc, NameOf(create.SchemaObjectName), TableKind.Table, create.Definition, create, ignored, aliases);
    }

    /// <summary>
    /// CREATE EXTERNAL TABLE (PolyBase, Synapse, Fabric): a table to every query that reads it, its
    /// columns declared like a table's; where the data lives (DATA_SOURCE, LOCATION) does not matter here.
    /// </summary>
    public static TableDef ReadExternalTable(SqlDocument doc, CreateExternalTableStatement create, AliasTypes aliases)
    {
        var columns = new List<ColumnDef>();
        foreach (var c in create.ColumnDefinitions)
        {
            if (c.ColumnDefinition is not { ColumnIdentifier: not null } column) continue;
            var alias = aliases.Find(DataTypes.From(column.DataType, AliasTypes.None));
            var type = alias?.Base ?? DataTypes.From(column.DataType, aliases);
            columns.Add(new ColumnDef(column.ColumnIdentifier.Value, type, c.NullableConstraint?.Nullable ?? alias?.Nullable ?? true,
                Location: doc.LocationOf(column), NullabilityFromType: c.NullableConstraint is null && type.UserType is not null, AliasType: alias?.Name));
        }
        return new TableDef(NameOf(create.SchemaObjectName), TableKind.Table, columns, null, Array.Empty<KeyDef>(), Array.Empty<ForeignKeyDef>(),
            Array.Empty<CheckDef>(), doc.LocationOf(create), new List<string> { "EXTERNAL" });
    }

    /// <summary>
    /// ALTER TABLE ... ADD column(s): the added columns as a table of that name, to be merged into
    /// the table's definition (migration-based projects add columns this way).
    /// </summary>
    public static TableDef ReadAddedColumns(SqlDocument doc, AlterTableAddTableElementStatement alter, AliasTypes aliases) =>
        Read(doc, NameOf(alter.SchemaObjectName), TableKind.Table, alter.Definition, alter, new List<string>(), aliases);

    /// <summary>
    /// ALTER TABLE ... ALTER COLUMN c type: the column's new type as a one-column table of that name (the
    /// catalog takes the type from it and keeps the column's nullability). An alias type keeps its name
    /// here: the catalog resolves every table's alias-typed columns once all types are known.
    /// </summary>
    public static TableDef ReadAlteredColumn(SqlDocument doc, AlterTableAlterColumnStatement alter)
    {
        var column = new ColumnDef(alter.ColumnIdentifier.Value, DataTypes.From(alter.DataType, AliasTypes.None), true, Location: doc.LocationOf(alter.ColumnIdentifier));
        return new TableDef(NameOf(alter.SchemaObjectName), TableKind.Table, new[] { column }, null, Array.Empty<KeyDef>(), Array.Empty<ForeignKeyDef>(),
            Array.Empty<CheckDef>(), doc.LocationOf(alter));
    }

    /// <summary>ALTER TABLE ... ADD [CONSTRAINT n] DEFAULT x FOR [c]: defaults of columns the statement does not define.</summary>
    public static IReadOnlyList<ColumnDefault> ReadAddedDefaults(SqlDocument doc, AlterTableAddTableElementStatement alter)
    {
        var table = NameOf(alter.SchemaObjectName);
        var defined = alter.Definition.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return alter.Definition.TableConstraints.OfType<DefaultConstraintDefinition>()
            .Where(d => d.Column is not null && !defined.Contains(d.Column.Value))
            .Select(d => new ColumnDefault(table, d.Column.Value, doc.TextOf(d.Expression), SequenceOf(d.Expression), doc.LocationOf(d)))
            .ToList();
    }

    public static TableDef ReadTableType(SqlDocument doc, CreateTypeTableStatement create, AliasTypes aliases) =>
        Read(doc, NameOf(create.Name), TableKind.TableType, create.Definition, create, new List<string>(), aliases);

    /// <summary>A table variable's or multi-statement TVF's declared shape.</summary>
    public static TableDef ReadDeclaredTable(SqlDocument doc, QualifiedName name, TableDefinition definition, TSqlFragment at, AliasTypes aliases) =>
        Read(doc, name, TableKind.FunctionResult, definition, at, new List<string>(), aliases);

    /// <summary>
    /// CREATE TYPE name FROM base_type [NULL | NOT NULL]: NULL when not stated (CREATE TYPE, "NULL | NOT
    /// NULL … If not specified, NULL is the default").
    /// </summary>
    public static AliasTypeDef ReadAliasType(SqlDocument doc, CreateTypeUddtStatement create) =>
        new(NameOf(create.Name), DataTypes.From(create.DataType, AliasTypes.None), create.NullableConstraint?.Nullable ?? true, doc.LocationOf(create.Name));

    public static SequenceDef ReadSequence(SqlDocument doc, CreateSequenceStatement create, AliasTypes aliases)
    {
        var type = new SqlType("bigint");
        long start = 1, increment = 1;
        bool startSet = false;
        foreach (var option in create.SequenceOptions)
        {
            switch (option)
            {
                case DataTypeSequenceOption dt: type = DataTypes.From(dt.DataType, aliases); break;
                case ScalarExpressionSequenceOption se when se.OptionKind == SequenceOptionKind.Start:
                    if (TryConstant(se.OptionValue, out var s)) { start = s; startSet = true; }
                    break;
                case ScalarExpressionSequenceOption se when se.OptionKind == SequenceOptionKind.Increment:
                    if (TryConstant(se.OptionValue, out var i)) increment = i;
                    break;
            }
        }
        if (!startSet) start = MinValue(type); // SQL Server starts an ascending sequence at the type's minimum
        return new SequenceDef(NameOf(create.Name), type, start, increment, doc.LocationOf(create.Name));
    }

    private static long MinValue(SqlType type) => type.Name switch
    {
        "tinyint" => 0,
        "smallint" => short.MinValue,
        "int" => int.MinValue,
        _ => long.MinValue,
    };

    /// <summary>An IDENTITY seed or increment (1 when not given).</summary>
    private static long IdentityPart(ScalarExpression? e) => e is not null && TryConstant(e, out var v) ? v : 1;

    private static bool TryConstant(ScalarExpression e, out long value)
    {
        value = 0;
        switch (e)
        {
            case IntegerLiteral i: return long.TryParse(i.Value, out value);
            case NumericLiteral n: return long.TryParse(n.Value.Split('.')[0], out value);
            case UnaryExpression { UnaryExpressionType: UnaryExpressionType.Negative } u when TryConstant(u.Expression, out var v):
                value = -v; return true;
            case ParenthesisExpression p: return TryConstant(p.Expression, out value);
            default: return false;
        }
    }

    private static TableDef Read(SqlDocument doc, QualifiedName name, TableKind kind, TableDefinition? definition, TSqlFragment at, List<string> ignored, AliasTypes aliases)
    {
        var columns = new List<ColumnDef>();
        KeyDef? primary = null;
        var uniques = new List<KeyDef>();
        var fks = new List<ForeignKeyDef>();
        var checks = new List<CheckDef>();
        var notNull = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        if (definition is null)
            return new TableDef(name, kind, columns, null, uniques, fks, checks, doc.LocationOf(at), ignored);

        foreach (var col in definition.ColumnDefinitions)
        {
            var colName = col.ColumnIdentifier.Value;
            bool? nullable = null;
            bool identity = col.IdentityOptions is not null;
            string? def = col.DefaultConstraint is null ? null : doc.TextOf(col.DefaultConstraint.Expression);
            QualifiedName? sequence = col.DefaultConstraint is null ? null : SequenceOf(col.DefaultConstraint.Expression);
            string? computed = col.ComputedColumnExpression is null ? null : doc.TextOf(col.ComputedColumnExpression);
            foreach (var c in col.Constraints)
            {
                switch (c)
                {
                    case NullableConstraintDefinition n: nullable = n.Nullable; break;
                    case UniqueConstraintDefinition u:
                        var key = new KeyDef(u.ConstraintIdentifier?.Value, new[] { colName }, u.IsPrimaryKey, doc.LocationOf(u), u.Clustered);
                        if (u.IsPrimaryKey) { primary = key; notNull.Add(colName); } else uniques.Add(key);
                        break;
                    case ForeignKeyConstraintDefinition fk:
                        fks.Add(new ForeignKeyDef(fk.ConstraintIdentifier?.Value, new[] { colName }, NameOf(fk.ReferenceTableName),
                            fk.ReferencedTableColumns.Select(r => r.Value).ToList(), doc.LocationOf(fk)));
                        break;
                    case CheckConstraintDefinition ck:
                        checks.Add(new CheckDef(ck.ConstraintIdentifier?.Value, doc.TextOf(ck.CheckCondition), colName, doc.LocationOf(ck)));
                        break;
                }
            }
            var type = col.DataType is null && col.ComputedColumnExpression is not null ? ComputedType(col.ComputedColumnExpression, aliases) : DataTypes.From(col.DataType, aliases);
            // Identity and primary key columns are NOT NULL even when not declared so; a computed
            // column's nullability follows its expression, which we do not type here: nullable.
            // A column of an alias type takes the type's nullability (CREATE TABLE, "Nullability rules
            // within a table definition"); a type not yet known is resolved by the catalog.
            var alias = col.DataType is null ? null : aliases.Find(DataTypes.From(col.DataType, AliasTypes.None));
            bool fromType = nullable is null && !identity && col.ComputedColumnExpression is null && (alias is not null || type.UserType is not null);
            bool isNullable = nullable ?? alias?.Nullable ?? !(identity || type.Name is "rowversion" or "timestamp");
            columns.Add(new ColumnDef(colName, type, isNullable, identity, def, computed, sequence, doc.LocationOf(col),
                IdentityPart(col.IdentityOptions?.IdentitySeed), IdentityPart(col.IdentityOptions?.IdentityIncrement),
                NullabilityFromType: fromType && alias is null, AliasType: alias?.Name));
        }

        foreach (var tc in definition.TableConstraints)
        {
            switch (tc)
            {
                case UniqueConstraintDefinition u:
                    var key = new KeyDef(u.ConstraintIdentifier?.Value, u.Columns.Select(ColumnName).ToList(), u.IsPrimaryKey, doc.LocationOf(u), u.Clustered);
                    if (u.IsPrimaryKey) { primary = key; foreach (var k in key.Columns) notNull.Add(k); }
                    else uniques.Add(key);
                    break;
                case ForeignKeyConstraintDefinition fk:
                    fks.Add(new ForeignKeyDef(fk.ConstraintIdentifier?.Value, fk.Columns.Select(c => c.Value).ToList(),
                        NameOf(fk.ReferenceTableName), fk.ReferencedTableColumns.Select(r => r.Value).ToList(), doc.LocationOf(fk)));
                    break;
                case CheckConstraintDefinition ck:
                    checks.Add(new CheckDef(ck.ConstraintIdentifier?.Value, doc.TextOf(ck.CheckCondition), null, doc.LocationOf(ck)));
                    break;
                case DefaultConstraintDefinition d when d.Column is not null:
                    var idx = columns.FindIndex(c => string.Equals(c.Name, d.Column.Value, StringComparison.OrdinalIgnoreCase));
                    if (idx >= 0) columns[idx] = columns[idx] with { Default = doc.TextOf(d.Expression), Sequence = SequenceOf(d.Expression) };
                    break;
            }
        }
        // Inline and table-level indexes carry no semantics the agent needs.
        if (definition.Indexes.Count > 0) ignored.Add("INDEX");

        if (notNull.Count > 0)
            for (int i = 0; i < columns.Count; i++)
                if (notNull.Contains(columns[i].Name)) columns[i] = columns[i] with { Nullable = false, NullabilityFromType = false };

        return new TableDef(name, kind, columns, primary, uniques, fks, checks, doc.LocationOf(at), ignored);
    }

    /// <summary>A computed column's type where its expression states it (CAST/CONVERT); else sql_variant.</summary>
    private static SqlType ComputedType(ScalarExpression e, AliasTypes aliases) => e switch
    {
        ParenthesisExpression p => ComputedType(p.Expression, aliases),
        CastCall c when c.DataType is not null => DataTypes.From(c.DataType, aliases),
        ConvertCall c when c.DataType is not null => DataTypes.From(c.DataType, aliases),
        _ => new SqlType("sql_variant"),
    };

    private static string ColumnName(ColumnWithSortOrder c) =>
        c.Column.MultiPartIdentifier.Identifiers[^1].Value;

    private static QualifiedName? SequenceOf(ScalarExpression? e) => e switch
    {
        NextValueForExpression n => NameOf(n.SequenceName),
        ParenthesisExpression p => SequenceOf(p.Expression),
        _ => null,
    };
}
