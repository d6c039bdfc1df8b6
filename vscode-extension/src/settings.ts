// Settings → how to start the server and what to tell it. Pure: no `vscode` import, unit-tested with node --test.

export interface EtlAgentConfig {
  serverPath?: string;
  dotnetPath?: string;
  trace?: string;
  include?: string[];
  exclude?: string[];
  compatibilityLevel?: number | null;
}

export interface ServerLaunch {
  command: string;
  args: string[];
  /** Where the server comes from: "bundled" (inside the extension) or "settings". */
  origin: 'bundled' | 'settings';
}

export const bundledServerRelativePath = ['server', 'EtlAgent.LanguageServer.dll'];

/** A path ending in .dll runs on the dotnet host; anything else is an executable started as is. */
export function serverLaunch(config: EtlAgentConfig, extensionPath: string, join: (...parts: string[]) => string): ServerLaunch {
  const dotnet = config.dotnetPath && config.dotnetPath.trim() !== '' ? config.dotnetPath.trim() : 'dotnet';
  const configured = config.serverPath?.trim();
  if (configured) {
    return configured.toLowerCase().endsWith('.dll')
      ? { command: dotnet, args: [configured], origin: 'settings' }
      : { command: configured, args: [], origin: 'settings' };
  }
  return { command: dotnet, args: [join(extensionPath, ...bundledServerRelativePath)], origin: 'bundled' };
}

/** What the server reads from initializationOptions and didChangeConfiguration (see ClientSettings.cs). */
export function initializationOptions(config: EtlAgentConfig): { include: string[]; exclude: string[]; compatibilityLevel?: number } {
  const options: { include: string[]; exclude: string[]; compatibilityLevel?: number } = {
    include: (config.include ?? []).filter((g) => typeof g === 'string' && g.trim() !== ''),
    exclude: (config.exclude ?? []).filter((g) => typeof g === 'string' && g.trim() !== ''),
  };
  const levels = [100, 110, 120, 130, 140, 150, 160, 170];
  if (typeof config.compatibilityLevel === 'number' && levels.includes(config.compatibilityLevel)) options.compatibilityLevel = config.compatibilityLevel;
  return options;
}

export function traceLevel(value: string | undefined): 'off' | 'messages' | 'verbose' {
  return value === 'messages' || value === 'verbose' ? value : 'off';
}

/** The status-bar text for an etlAgent/status notification. */
export function statusText(status: { state: string; percentage?: number; files?: number; findings?: number }): string {
  if (status.state === 'indexing') return `$(sync~spin) ETL Agent: indexing ${status.percentage ?? 0}%`;
  if (status.state === 'ready') {
    const findings = status.findings ?? 0;
    return `$(check) ETL Agent: ${status.files ?? 0} files · ${findings} finding${findings === 1 ? '' : 's'}`;
  }
  if (status.state === 'starting') return '$(loading~spin) ETL Agent: starting';
  return `$(error) ETL Agent: ${status.state}`;
}
