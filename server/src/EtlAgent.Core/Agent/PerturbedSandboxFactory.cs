using EtlAgent.Core.Model;
using EtlAgent.Core.Sandbox;
using EtlAgent.Core.WorkspaceModel;

namespace EtlAgent.Core.Agent;

/// <summary>
/// Sandboxes of another factory that run a case under one <see cref="Perturbation"/>: given rows
/// stored in another order, the clock moved, another NEWID() seed. Rows of a table whose
/// identity, sequence or rowversion values the rows leave to the database keep their order: those
/// values follow the order of insertion, which the test fixes, and reordering would change data
/// rather than only the order scans see. Does not own the inner factory.
/// </summary>
public sealed class PerturbedSandboxFactory(ISandboxFactory inner, Perturbation perturbation, WorkspaceAnalysis workspace) : ISandboxFactory
{
    public string Name => inner.Name;

    public Perturbation Perturbation => perturbation;

    public async Task<ISandbox> CreateAsync(CancellationToken cancellationToken = default) =>
        new PerturbedSandbox(await inner.CreateAsync(cancellationToken).ConfigureAwait(false), this);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Whether storing <paramref name="rows"/> in another order only changes the order a scan sees.</summary>
    public bool CanReorder(QualifiedName table, IReadOnlyList<SandboxRow> rows)
    {
        if (workspace.Catalog.Find(table) is not { } shape) return true;
        return !shape.Columns.Any(c => (c.Identity || c.Sequence is not null || c.Type.Name is "rowversion" or "timestamp" ||
                                        c.Default is { } d && (d.Contains("NEWID", StringComparison.OrdinalIgnoreCase) || d.Contains("NEXT VALUE", StringComparison.OrdinalIgnoreCase)))
                                       && rows.Any(r => !r.ContainsKey(c.Name)));
    }

    private sealed class PerturbedSandbox(ISandbox sandbox, PerturbedSandboxFactory factory) : ISandbox
    {
        public Task InsertRowsAsync(QualifiedName table, IReadOnlyList<SandboxRow> rows, CancellationToken cancellationToken = default) =>
            sandbox.InsertRowsAsync(table, Perturbations.IsRowOrder(factory.Perturbation) && factory.CanReorder(table, rows)
                ? Perturbations.Reorder(factory.Perturbation, rows) : rows, cancellationToken);

        public Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default) =>
            sandbox.ExecuteAsync(factory.Perturbation switch
            {
                Perturbation.ShiftedClock => request with { Clock = (request.Clock ?? DefaultClock) + Perturbations.ClockShift },
                Perturbation.ReseededNewId => request with { Seed = request.Seed + Perturbations.SeedShift },
                _ => request,
            }, cancellationToken);

        public Task<IReadOnlyList<SandboxRow>> ReadTableAsync(QualifiedName table, CancellationToken cancellationToken = default) =>
            sandbox.ReadTableAsync(table, cancellationToken);

        public Task<bool> TableExistsAsync(QualifiedName table, CancellationToken cancellationToken = default) =>
            sandbox.TableExistsAsync(table, cancellationToken);

        public ValueTask DisposeAsync() => sandbox.DisposeAsync();
    }

    /// <summary>The clock a case without one runs at in the embedded sandbox (its documented default); moved from there.</summary>
    private static readonly DateTime DefaultClock = new(2000, 1, 1);
}
