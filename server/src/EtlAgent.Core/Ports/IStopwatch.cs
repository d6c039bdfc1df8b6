namespace EtlAgent.Core.Ports;

/// <summary>
/// Time elapsed since a start, for the engine's time caps (a transformation's generation stops at
/// its cap). The host gives the machine's (<see cref="Workspace.SystemStopwatch"/>); tests give one
/// that advances as they say, so a cap is tested without waiting for it.
/// </summary>
public interface IStopwatch
{
    TimeSpan Elapsed { get; }
}
