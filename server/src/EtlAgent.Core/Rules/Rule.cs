
namespace EtlAgent.Core.Rules;

/// <summary>
/// A static check. One rule = one class = one file, holding its id, its doc and its fixes.
/// Rules never throw on odd SQL: they look at what parsed and stay silent when unsure.
/// </summary>
public abstract class Rule : FindingKind
{
    public abstract void Check(RuleContext context);
}
