// The server's extensions to LSP as TypeScript types: custom requests and notifications, what the
// initialize result announces, and what each command returns. docs/lsp-extensions.md is the
// contract; the C# twin for Visual Studio is vs-extension/EtlAgent.VisualStudio/Protocol.

/** Custom methods (not LSP). */
export const EtlAgentMethods = {
  /** Request → DiscoverModel (the `etl-agent discover --format json` shape). */
  pipelines: 'etlAgent/pipelines',
  /** Request LineageParams → DiscoverModel['transformations'][number] | null. */
  lineage: 'etlAgent/lineage',
  /** Server → client notification: StatusParams. */
  status: 'etlAgent/status',
} as const;

export interface LineageParams {
  name?: string;
  textDocument?: { uri: string };
  position?: { line: number; character: number };
}

export interface StatusParams {
  state: 'indexing' | 'ready' | string;
  percentage?: number;
  files?: number;
  findings?: number;
  revision?: number;
}

export interface CommandArgument {
  name: string;
  /** "string" (a transformation name), "uri" (a document URI) or "integer". */
  type: 'string' | 'uri' | 'integer';
  optional?: boolean;
  description: string;
}

/** One entry of `capabilities.experimental.etlAgent.commands`. */
export interface CommandDescriptor {
  id: string;
  /** Menu and palette title, without a category. */
  title: string;
  arguments: CommandArgument[];
  /** Run without arguments, the client passes [active document URI, 0-based cursor line]. */
  cursor: boolean;
  /** Long: the client passes a workDoneToken and shows a cancellable progress "ETL Agent: {title}". */
  progress: boolean;
  /** Writes files or re-runs the workspace: refresh the Pipelines view afterwards. */
  changesWorkspace: boolean;
  /** The result's type name in docs/lsp-extensions.md. */
  returns: string;
}

/** `capabilities.experimental.etlAgent` of the initialize result. */
export interface EtlAgentExperimental {
  requests: string[];
  notifications: string[];
  commands: CommandDescriptor[];
  sourceKinds: { name: string; languageIds: string[]; filePatterns: string[] }[];
  testFilePatterns: string[];
}

/** One-based, end exclusive (as the CLI's JSON and SARIF). */
export interface ReportRange { startLine: number; startColumn: number; endLine: number; endColumn: number }

export interface Finding {
  ruleId: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  file: string;
  range: ReportRange;
  related: { file: string; range: ReportRange; message: string }[];
  fixes: { title: string; verified: boolean; verifiedBy?: string | null; edits: { file: string; range: ReportRange; newText: string }[] }[];
}

export interface FixAllResult { applied: boolean; fixes?: number }
export interface ReindexResult { reindexing: true }
export interface AcceptExpectationsResult { applied: boolean; edit: unknown }
export type GenerateTestsResult = { path: string; uri: string; cases: number } | { skipped: string };

export interface TestRunResult {
  sandbox: string;
  summary: { passed: number; failed: number; errors: number; elapsedMs: number };
  cases: { file: string; line: number; transformation: string; name: string; outcome: 'passed' | 'failed' | 'error' | string; elapsedMs: number; failures: unknown[]; error: unknown; messages: string[] }[];
}

export interface FullRunResult {
  passed: number;
  failed: number;
  findings: number;
  generated: string[];
  notGenerated: string[];
  untested: { transformation: string; reason: string }[];
  reports: string[];
}

export type MutationResult =
  | { cancelled: true }
  | { errors: string[] }
  | {
    mutants: number; killed: number; survived: number; equivalent: number; score: number; notCovered: number; killedOfAll: number;
    survivors: { transformation: string; operator: string; file: string; line: number; original: string; mutated: string; explanation: string }[];
  };
