using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using EtlAgent.VisualStudio.Protocol;
using Microsoft.VisualStudio.LanguageServer.Client;
using Newtonsoft.Json.Linq;

namespace EtlAgent.VisualStudio.LanguageClient
{
    /// <summary>
    /// Sits between Visual Studio's LSP client and the server to read the initialize result: the
    /// server's command list (experimental.etlAgent.commands) is what the menus run, so the extension
    /// keeps no list of its own. Every other message passes through untouched.
    /// </summary>
    // ILanguageClientMiddleLayer is marked obsolete in 17.14 but is the one Visual Studio 2022 17.x calls with Newtonsoft tokens
#pragma warning disable CS0618
    internal sealed class InitializeResultCapture : ILanguageClientMiddleLayer
#pragma warning restore CS0618
    {
        private readonly Action<IReadOnlyDictionary<string, CommandDescriptor>> _announced;

        public InitializeResultCapture(Action<IReadOnlyDictionary<string, CommandDescriptor>> announced) => _announced = announced;

        public bool CanHandle(string methodName) => methodName == "initialize";

        public Task HandleNotificationAsync(string methodName, JToken methodParam, Func<JToken, Task> sendNotification) =>
            sendNotification(methodParam);

        public async Task<JToken> HandleRequestAsync(string methodName, JToken methodParam, Func<JToken, Task<JToken>> sendRequest)
        {
            var result = await sendRequest(methodParam).ConfigureAwait(false);
            if (methodName == "initialize") _announced(CommandDescriptor.FromInitializeResult(result));
            return result;
        }
    }
}
