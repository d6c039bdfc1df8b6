namespace EtlAgent.Core.Model;

/// <summary>Ordered: a higher value is more severe, so "at or above" compares with &gt;=.</summary>
public enum Severity
{
    Hint = 0,
    Information = 1,
    Warning = 2,
    Error = 3,
}
