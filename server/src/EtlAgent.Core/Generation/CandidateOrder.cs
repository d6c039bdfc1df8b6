namespace EtlAgent.Core.Generation;

/// <summary>
/// The order candidates run in, most informative first: the base inputs (new, unchanged, changed,
/// only in the target, empty…) in the builder's order, then one variation of each family (a
/// column of a table, a parameter, a staging duplicate) before a second of any, and so on. A search
/// that stops early (<see cref="CandidateSearch"/>, the time cap) has then tried every kind of
/// change once rather than every value of the first few columns.
/// </summary>
public static class CandidateOrder
{
    /// <summary>Indexes into <paramref name="candidates"/> in the order to run them.</summary>
    public static IReadOnlyList<int> Informative(IReadOnlyList<Scenario> candidates)
    {
        var order = new List<int>(candidates.Count);
        var families = new List<List<int>>();
        var familyOf = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Structural) { order.Add(i); continue; }
            var key = Family(candidates[i].Description);
            if (!familyOf.TryGetValue(key, out var members))
            {
                familyOf[key] = members = new List<int>();
                families.Add(members);
            }
            members.Add(i);
        }
        for (int round = 0; order.Count < candidates.Count; round++)
            foreach (var members in families)
                if (round < members.Count) order.Add(members[round]);
        return order;
    }

    /// <summary>
    /// What a variation varies, from its description (the last column it names: "an entity already
    /// in the target, unchanged, Stage.Sale [Quantity] NULL" → "Stage.Sale [Quantity]"; "…, @AsOf the
    /// day before" → "@AsOf"; "…, staged twice" → "staged twice"): the same column varied from
    /// another base input is the same family.
    /// </summary>
    public static string Family(string description)
    {
        int bracket = description.LastIndexOf('[');
        if (bracket >= 0 && description.IndexOf(']', bracket) is var end and > 0)
        {
            int start = description.LastIndexOf(", ", bracket, StringComparison.Ordinal);
            return description[(start < 0 ? 0 : start + 2)..(end + 1)];
        }
        int parameter = description.LastIndexOf(", @", StringComparison.Ordinal);
        if (parameter >= 0) return description[(parameter + 2)..].Split(' ', 2)[0];
        int comma = description.LastIndexOf(", ", StringComparison.Ordinal);
        return comma < 0 ? description : description[(comma + 2)..];
    }
}
