namespace EtlAgent.Core.Rules;

/// <summary>
/// A kind of finding a user can see, with its id in the ETLnnnn series and its documentation page
/// (docs/rules). Static rules are kinds that check documents (<see cref="Rule"/>); the results of
/// runs — a failing sandbox case, a test file that does not load or is out of date with the
/// schema, a surviving mutant — are kinds declared next to the step that produces them, each
/// with the function that turns its result into a <see cref="Model.Finding"/>.
/// </summary>
public abstract class FindingKind
{
    public abstract RuleDescriptor Descriptor { get; }

    public string Id => Descriptor.Id;
}
