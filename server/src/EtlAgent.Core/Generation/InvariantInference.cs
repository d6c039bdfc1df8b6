using EtlAgent.Core.Catalog;
using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox.TestFiles;

namespace EtlAgent.Core.Generation;

/// <summary>
/// Invariants the code suggests for the tables it writes; the generator keeps those every
/// generated case keeps (the self-check run drops the others):
/// - a table with validity columns (… From / … To) and an end-of-time literal the code compares the
///   end with (SCD2): its business key unique among current rows, and per business key windows
///   that neither overlap nor leave gaps;
/// - a "… Key" column of a written table that names another table's one-column primary key, with no
///   declared foreign key: its values exist in that table (a fact's dimension keys).
/// NOT NULL columns are not listed: the sandbox enforces them like SQL Server.
/// </summary>
public static class InvariantInference
{
    public static IReadOnlyList<Invariant> Candidates(SchemaCatalog catalog, CodeFacts facts, IReadOnlyList<QualifiedName> written)
    {
        var result = new List<Invariant>();
        foreach (var name in written)
        {
            if (catalog.Find(name) is not { } table) continue;
            var primary = table.Keys.FirstOrDefault(k => k.IsPrimary)?.Columns ?? Array.Empty<string>();
            if (ValidityWindow.Of(table) is var (from, to))
            {
                // the business key: the first text column the code compares that names a code (not the surrogate key)
                var key = table.Columns.FirstOrDefault(c => c.Type.IsString && facts.ComparedColumns.Contains(c.Name)
                    && !primary.Contains(c.Name, StringComparer.OrdinalIgnoreCase)
                    && (c.Name.EndsWith("Code", StringComparison.OrdinalIgnoreCase) || c.Name.EndsWith("ID", StringComparison.OrdinalIgnoreCase)));
                // the latest date the code compares the end with (a literal or a variable set to one: '9999-12-31 …')
                var endOfTime = (facts.ColumnLiterals.GetValueOrDefault(to.Name) ?? new List<object>())
                    .Select(v => v switch
                    {
                        DateTime d => d,
                        string text when DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d) => d,
                        _ => default,
                    }).DefaultIfEmpty().Max();
                if (key is not null)
                {
                    if (endOfTime != default)
                        result.Add(new Invariant(InvariantKind.Unique, table.Name, new[] { key.Name })
                        { Where = new[] { new KeyValuePair<string, object?>(to.Name, endOfTime) } });
                    result.Add(new Invariant(InvariantKind.Windows, table.Name, new[] { key.Name }) { From = from.Name, To = to.Name });
                }
            }
            foreach (var c in table.Columns.Where(c => c.Name.EndsWith("Key", StringComparison.OrdinalIgnoreCase) && !primary.Contains(c.Name, StringComparer.OrdinalIgnoreCase)))
            {
                if (table.ForeignKeys.Any(fk => fk.Columns.Contains(c.Name, StringComparer.OrdinalIgnoreCase))) continue;
                var parent = catalog.Tables.FirstOrDefault(p => p.Name != table.Name
                    && p.Keys.FirstOrDefault(k => k.IsPrimary) is { Columns.Count: 1 } pk && string.Equals(pk.Columns[0], c.Name, StringComparison.OrdinalIgnoreCase));
                if (parent is not null)
                    result.Add(new Invariant(InvariantKind.Exists, table.Name, new[] { c.Name }) { In = parent.Name });
            }
        }
        return result;
    }
}
