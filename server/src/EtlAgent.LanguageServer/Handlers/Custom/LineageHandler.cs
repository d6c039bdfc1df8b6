using System.Text.Json.Nodes;
using EtlAgent.Core.Reporting;
using EtlAgent.LanguageServer.Conversions;
using EtlAgent.LanguageServer.Protocol;
using EtlAgent.LanguageServer.Server;
using StreamJsonRpc;

namespace EtlAgent.LanguageServer.Handlers.Custom;

/// <summary>
/// etlAgent/lineage: one transformation's column lineage (the `transformations[]` entry of the
/// discover JSON), by name or by a position inside it; null when there is none.
/// </summary>
public sealed class LineageHandler(ServerContext server)
{
    [JsonRpcMethod(EtlAgentMethods.Lineage, UseSingleObjectParameterDeserialization = true)]
    public async Task<JsonObject?> Lineage(LineageParams request, CancellationToken cancellationToken)
    {
        server.EnsureInitialized();
        await Task.Yield();
        if (request.Name is null && (request.TextDocument is null || request.Position is null))
            throw new LocalRpcException("etlAgent/lineage takes a name, or a textDocument and a position.") { ErrorCode = ErrorCodes.InvalidParams };
        var snapshot = await server.CurrentSnapshotAsync(cancellationToken, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        Core.Model.Transformation? t;
        if (request.Name is not null)
        {
            t = snapshot.FindTransformation(request.Name)?.Transformation;
        }
        else
        {
            var path = server.Paths.ToPath(request.TextDocument!.Uri);
            var doc = snapshot.Document(path);
            int offset = doc?.Facts.Document.Lines.OffsetOf(LspConvert.LinePosition(request.Position!)) ?? -1;
            t = snapshot.TransformationsIn(path).Select(a => a.Transformation)
                .Where(x => x.BodyRange.Contains(offset) || x.HeaderRange.Contains(offset))
                .OrderBy(x => x.BodyRange.Length).FirstOrDefault();
        }
        return t is null ? null : DiscoveryReport.Transformation(t);
    }
}
