using System;
using EtlAgent.VisualStudio.Protocol;
using Newtonsoft.Json.Linq;
using StreamJsonRpc;

namespace EtlAgent.VisualStudio.LanguageClient
{
    /// <summary>Receives the server's etlAgent/status notifications (indexing progress, ready with counts).</summary>
    public sealed class StatusTarget
    {
        private readonly Action<string> _show;

        public StatusTarget(Action<string> show) => _show = show;

        [JsonRpcMethod(EtlAgentMethods.Status, UseSingleObjectParameterDeserialization = true)]
        public void OnStatus(JToken status)
        {
            var state = status?.Value<string>("state") ?? "";
            _show(state == "indexing"
                ? $"ETL Agent: indexing {status.Value<int?>("percentage") ?? 0}%"
                : state == "ready"
                    ? $"ETL Agent: {status.Value<int?>("files") ?? 0} files · {status.Value<int?>("findings") ?? 0} findings"
                    : $"ETL Agent: {state}");
        }
    }
}
