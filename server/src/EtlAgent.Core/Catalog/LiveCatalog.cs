using EtlAgent.Core.Model;
using Microsoft.Data.SqlClient;

namespace EtlAgent.Core.Catalog;

/// <summary>One row of INFORMATION_SCHEMA.COLUMNS plus identity/computed flags and the default text.</summary>
public sealed record LiveColumnRow(string Schema, string Table, string TableType, string Column, int Ordinal, string DataType,
    int? MaxLength, int? Precision, int? Scale, bool Nullable, string? Default, bool Identity, bool Computed);

/// <summary>One column of a key or foreign key, from TABLE_CONSTRAINTS/KEY_COLUMN_USAGE/REFERENTIAL_CONSTRAINTS.</summary>
public sealed record LiveConstraintRow(string Schema, string Table, string Constraint, string Type, string Column, int Ordinal,
    string? RefSchema, string? RefTable, string? RefColumn);

/// <summary>
/// The catalog of a live database, read through INFORMATION_SCHEMA with SqlClient. Reading is
/// separated from building so the mapping is tested without a server.
/// </summary>
public static class LiveCatalog
{
    private const string ColumnsQuery = """
        SELECT c.TABLE_SCHEMA, c.TABLE_NAME, t.TABLE_TYPE, c.COLUMN_NAME, c.ORDINAL_POSITION, c.DATA_TYPE,
               c.CHARACTER_MAXIMUM_LENGTH, CAST(c.NUMERIC_PRECISION AS int), c.NUMERIC_SCALE,
               CASE c.IS_NULLABLE WHEN 'YES' THEN 1 ELSE 0 END, c.COLUMN_DEFAULT,
               COLUMNPROPERTY(OBJECT_ID(QUOTENAME(c.TABLE_SCHEMA) + '.' + QUOTENAME(c.TABLE_NAME)), c.COLUMN_NAME, 'IsIdentity'),
               COLUMNPROPERTY(OBJECT_ID(QUOTENAME(c.TABLE_SCHEMA) + '.' + QUOTENAME(c.TABLE_NAME)), c.COLUMN_NAME, 'IsComputed'),
               CAST(c.DATETIME_PRECISION AS int)
        FROM INFORMATION_SCHEMA.COLUMNS AS c
        JOIN INFORMATION_SCHEMA.TABLES AS t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
        ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION;
        """;

    private const string ConstraintsQuery = """
        SELECT tc.TABLE_SCHEMA, tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME, k.ORDINAL_POSITION,
               rk.TABLE_SCHEMA, rk.TABLE_NAME, rk.COLUMN_NAME
        FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS AS tc
        JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS k
          ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
        LEFT JOIN INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS AS rc
          ON rc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
        LEFT JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE AS rk
          ON rk.CONSTRAINT_SCHEMA = rc.UNIQUE_CONSTRAINT_SCHEMA AND rk.CONSTRAINT_NAME = rc.UNIQUE_CONSTRAINT_NAME
         AND rk.ORDINAL_POSITION = k.ORDINAL_POSITION
        WHERE tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
        ORDER BY tc.TABLE_SCHEMA, tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION;
        """;

    /// <summary>Reads the catalog of the database the connection string names. Read-only queries only.</summary>
    public static async Task<SchemaCatalog> ReadAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var columns = new List<LiveColumnRow>();
        await using (var cmd = new SqlCommand(ColumnsQuery, connection))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var type = reader.GetString(5);
                int? scale = reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8));
                if (type is "datetime2" or "time" or "datetimeoffset" && !reader.IsDBNull(13)) scale = reader.GetInt32(13);
                columns.Add(new LiveColumnRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.GetInt32(4), type, reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetInt32(7),
                    scale, reader.GetInt32(9) == 1, reader.IsDBNull(10) ? null : reader.GetString(10),
                    !reader.IsDBNull(11) && reader.GetInt32(11) == 1, !reader.IsDBNull(12) && reader.GetInt32(12) == 1));
            }
        }
        var constraints = new List<LiveConstraintRow>();
        await using (var cmd = new SqlCommand(ConstraintsQuery, connection))
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                constraints.Add(new LiveConstraintRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return Build(columns, constraints);
    }

    /// <summary>Builds catalog records from INFORMATION_SCHEMA rows.</summary>
    public static SchemaCatalog Build(IEnumerable<LiveColumnRow> columns, IEnumerable<LiveConstraintRow> constraints)
    {
        var keysByTable = constraints.GroupBy(c => new QualifiedName(c.Schema, c.Table)).ToDictionary(g => g.Key, g => g.ToList());
        var tables = new List<TableDef>();
        foreach (var group in columns.GroupBy(c => new QualifiedName(c.Schema, c.Table)))
        {
            var first = group.First();
            var cols = group.OrderBy(c => c.Ordinal).Select(c => new ColumnDef(
                c.Column, TypeOf(c), c.Nullable, c.Identity, c.Default, c.Computed ? "(computed)" : null)).ToList();
            KeyDef? pk = null;
            var uniques = new List<KeyDef>();
            var fks = new List<ForeignKeyDef>();
            if (keysByTable.TryGetValue(group.Key, out var keys))
            {
                foreach (var c in keys.GroupBy(k => k.Constraint))
                {
                    var ordered = c.OrderBy(k => k.Ordinal).ToList();
                    var type = ordered[0].Type;
                    var names = ordered.Select(k => k.Column).ToList();
                    if (type == "PRIMARY KEY") pk = new KeyDef(c.Key, names, true);
                    else if (type == "UNIQUE") uniques.Add(new KeyDef(c.Key, names, false));
                    else if (ordered[0].RefTable is not null)
                        fks.Add(new ForeignKeyDef(c.Key, names, new QualifiedName(ordered[0].RefSchema, ordered[0].RefTable!),
                            ordered.Select(k => k.RefColumn ?? "").ToList()));
                }
            }
            var kind = first.TableType.Equals("VIEW", StringComparison.OrdinalIgnoreCase) ? TableKind.View : TableKind.Table;
            tables.Add(new TableDef(group.Key, kind, cols, pk, uniques, fks, Array.Empty<CheckDef>()));
        }
        return new SchemaCatalog(tables, Array.Empty<SequenceDef>());
    }

    private static SqlType TypeOf(LiveColumnRow c)
    {
        var name = c.DataType.ToLowerInvariant();
        var args = new List<int?>();
        switch (name)
        {
            case "decimal" or "numeric": args.Add(c.Precision); args.Add(c.Scale); break;
            case "datetime2" or "time" or "datetimeoffset": args.Add(c.Scale); break;
            case "float": args.Add(c.Precision); break;
            case "char" or "varchar" or "nchar" or "nvarchar" or "binary" or "varbinary": args.Add(c.MaxLength); break;
        }
        return DataTypes.Normalize(name, args);
    }
}
