// The ETL Agent extension: starts the language server, shows what it reports, and feeds the
// Pipelines tree. No analysis here: everything comes from the server.

import * as path from 'path';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, LanguageClientOptions, ServerOptions, State, Trace, WorkDoneProgress } from 'vscode-languageclient/node';
import { announcedCommands, documentSelector, progressStep, progressTitle, refreshesPipelines, servedDocuments, serves, withCursorArguments } from './commands';
import { buildTree, DiscoverModel, TreeNode } from './pipelinesModel';
import { EtlAgentMethods, StatusParams } from './protocol';
import { EtlAgentConfig, initializationOptions, serverLaunch, statusText, traceLevel } from './settings';

let client: LanguageClient | undefined;

/** Whether the running server reads this document (what its initialize result announced). */
function served(document: vscode.TextDocument): boolean {
  const announced = client?.initializeResult ? servedDocuments(client.initializeResult.capabilities.experimental) : undefined;
  return serves(announced, { languageId: document.languageId, fileName: document.uri.path, isUntitled: document.isUntitled });
}

function readConfig(): EtlAgentConfig {
  const c = vscode.workspace.getConfiguration('etlAgent');
  return {
    serverPath: c.get<string>('server.path'),
    dotnetPath: c.get<string>('server.dotnetPath'),
    trace: c.get<string>('trace.server'),
    include: c.get<string[]>('include'),
    exclude: c.get<string[]>('exclude'),
    compatibilityLevel: c.get<number | null>('compatibilityLevel'),
  };
}

class PipelinesProvider implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: TreeNode[] = [];

  set(model: DiscoverModel): void {
    this.roots = buildTree(model);
    this.changed.fire(undefined);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node ? node.children : this.roots;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label,
      node.children.length === 0 ? vscode.TreeItemCollapsibleState.None
        : node.kind === 'pipeline' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.description = node.description;
    item.iconPath = new vscode.ThemeIcon({ pipeline: 'type-hierarchy', transformation: 'symbol-method', group: 'folder', table: 'table' }[node.kind]);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (node.file && folder) {
      const uri = vscode.Uri.joinPath(folder.uri, node.file);
      const line = node.line ?? 0;
      item.command = { title: 'Open', command: 'vscode.open', arguments: [uri, { selection: new vscode.Range(line, 0, line, 0) }] };
      item.tooltip = `${node.file}:${line + 1}`;
    }
    return item;
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('ETL Agent');
  const traceOutput = vscode.window.createOutputChannel('ETL Agent (trace)');
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.command = 'etlAgent.showOutput';
  status.text = statusText({ state: 'starting' });
  status.show();
  const pipelines = new PipelinesProvider();
  context.subscriptions.push(output, traceOutput, status, vscode.window.registerTreeDataProvider('etlAgent.pipelines', pipelines));

  const refreshPipelines = async () => {
    if (!client || client.state !== State.Running) return;
    try {
      pipelines.set(await client.sendRequest<DiscoverModel>(EtlAgentMethods.pipelines, {}));
    } catch (e) {
      output.appendLine(`etlAgent/pipelines failed: ${e}`);
    }
  };

  // A long command as a cancellable notification: the client starts the progress (workDoneToken),
  // the server reports on it, and Cancel sends $/cancelRequest.
  const withProgressNotification = (command: string, args: unknown[], title: string) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const c = client!;
      const workDoneToken = `${command}/${Date.now()}`;
      let last = 0;
      const listener = c.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        const step = progressStep(value as { kind: string; message?: string; percentage?: number }, last);
        last = step.percentage;
        progress.report({ message: step.message, increment: step.increment });
      });
      try {
        return await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken }, token);
      } catch (e) {
        if (token.isCancellationRequested) return undefined;
        throw e;
      } finally {
        listener.dispose();
      }
    });

  const start = async () => {
    const config = readConfig();
    const launch = serverLaunch(config, context.extensionPath, path.join);
    output.appendLine(`starting the server (${launch.origin}): ${launch.command} ${launch.args.join(' ')}`);
    const serverOptions: ServerOptions = { command: launch.command, args: launch.args };
    const clientOptions: LanguageClientOptions = {
      documentSelector,
      initializationOptions: initializationOptions(config),
      outputChannel: output,
      traceOutputChannel: traceOutput,
      synchronize: { configurationSection: 'etlAgent' },
      middleware: {
        // only the documents the server announced in its initialize result reach it
        didOpen: (document, next) => (served(document) ? next(document) : Promise.resolve()),
        didChange: (event, next) => (served(event.document) ? next(event) : Promise.resolve()),
        didSave: (document, next) => (served(document) ? next(document) : Promise.resolve()),
        didClose: (document, next) => (served(document) ? next(document) : Promise.resolve()),
        provideCodeLenses: (document, token, next) => (served(document) ? next(document, token) : []),
        provideCodeActions: (document, range, context, token, next) => (served(document) ? next(document, range, context, token) : []),
        executeCommand: async (command, args, next) => {
          // how to run it is the server's to say (its initialize result's command list): from the
          // palette, a command that takes the cursor gets the document and line (a lens passes a name)
          const commands = announcedCommands(client?.initializeResult?.capabilities.experimental);
          const editor = vscode.window.activeTextEditor;
          args = withCursorArguments(commands, command, args, editor && { uri: editor.document.uri.toString(), line: editor.selection.active.line });
          const title = progressTitle(commands, command);
          const result = title ? await withProgressNotification(command, args, title) : await next(command, args);
          if (refreshesPipelines(commands, command)) void refreshPipelines();
          return result;
        },
      },
    };
    client = new LanguageClient('etlAgent', 'ETL Agent', serverOptions, clientOptions);
    client.onNotification(EtlAgentMethods.status, (s: StatusParams) => {
      status.text = statusText(s);
      if (s.state === 'ready') void refreshPipelines();
    });
    await client.start();
    await client.setTrace(Trace.fromString(traceLevel(config.trace)));
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('etlAgent.refreshPipelines', refreshPipelines),
    vscode.commands.registerCommand('etlAgent.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('etlAgent.restartServer', async () => {
      await client?.stop();
      await start();
    }),
    vscode.workspace.onDidSaveTextDocument((d) => { if (served(d)) void refreshPipelines(); }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('etlAgent.server')) {
        await client?.stop();
        await start();
      } else if (e.affectsConfiguration('etlAgent.trace.server') && client) {
        await client.setTrace(Trace.fromString(traceLevel(readConfig().trace)));
      }
    }),
  );

  try {
    await start();
  } catch (e) {
    status.text = statusText({ state: 'failed to start' });
    output.appendLine(`The ETL Agent server did not start: ${e}`);
    void vscode.window.showErrorMessage('ETL Agent: the language server did not start. See the "ETL Agent" output.');
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
