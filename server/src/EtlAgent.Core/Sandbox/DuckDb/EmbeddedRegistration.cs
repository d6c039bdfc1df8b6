namespace EtlAgent.Core.Sandbox;

/// <summary>Registers the embedded DuckDB sandbox as this build's embedded engine.</summary>
public sealed partial class SandboxFactoryProvider
{
    static partial void RegisterEmbedded(ref EmbeddedSandbox? embedded) =>
        embedded = (setup, _) => new DuckDb.DuckDbSandboxFactory(setup);
}
