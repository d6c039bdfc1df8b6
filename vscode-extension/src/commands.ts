// What the extension knows about the server's commands and documents: which documents go to the
// server, and which commands the extension wraps (a progress notification, the Pipelines view
// refreshed afterwards). Pure, so it is tested with `node --test`.

import type { CommandDescriptor, EtlAgentExperimental } from './protocol';

/**
 * Which documents the server reads is the server's to say (its initialize result lists its source
 * kinds and test file patterns), so the client registers for every file and untitled document and
 * the middleware passes on only those the server announced (see `serves`).
 */
export const documentSelector = [
  { scheme: 'file' },
  { scheme: 'untitled' },
];

/** The documents the server announced in `capabilities.experimental.etlAgent`. */
export interface ServedDocuments {
  languageIds: string[];
  patterns: string[];
}

/** Reads the server's announcement; none (an older server, or no answer yet) serves nothing. */
export function servedDocuments(experimental: unknown): ServedDocuments {
  const etl = (experimental as { etlAgent?: { sourceKinds?: { languageIds?: string[]; filePatterns?: string[] }[]; testFilePatterns?: string[] } } | undefined)?.etlAgent;
  const kinds = etl?.sourceKinds ?? [];
  return {
    languageIds: kinds.flatMap((k) => k.languageIds ?? []),
    patterns: kinds.flatMap((k) => k.filePatterns ?? []).concat(etl?.testFilePatterns ?? []),
  };
}

/** A glob of the server's (`**` any folders, `*` any name part) as a case-insensitive test of a path. */
export function globTest(glob: string): (path: string) => boolean {
  const source = glob.split(/(\*\*\/|\*)/).map((part) => part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('');
  const re = new RegExp(`(^|/)${source}$`, 'i');
  return (path) => re.test(path.replace(/\\/g, '/'));
}

/** True when the server reads this document: its language or its file name is one the server announced. */
export function serves(served: ServedDocuments | undefined, document: { languageId: string; fileName: string; isUntitled?: boolean }): boolean {
  if (!served) return false;
  if (served.languageIds.includes(document.languageId)) return true;
  return !document.isUntitled && served.patterns.some((p) => globTest(p)(document.fileName));
}

/**
 * The command list the server announced (`experimental.etlAgent.commands`): how each command is run
 * (progress, cursor arguments, Pipelines refresh) comes from there, not from a list of our own.
 */
export function announcedCommands(experimental: unknown): Map<string, CommandDescriptor> {
  const list = (experimental as { etlAgent?: Partial<EtlAgentExperimental> } | undefined)?.etlAgent?.commands ?? [];
  return new Map(list.filter((c) => c && typeof c.id === 'string').map((c) => [c.id, c]));
}

/** The title of the cancellable progress notification a command runs under; none for a short command. */
export function progressTitle(commands: Map<string, CommandDescriptor>, command: string): string | undefined {
  const c = commands.get(command);
  return c?.progress ? `ETL Agent: ${c.title}` : undefined;
}

/** Whether the Pipelines view is refreshed after the command (it writes test files or re-runs the workspace). */
export function refreshesPipelines(commands: Map<string, CommandDescriptor>, command: string): boolean {
  return commands.get(command)?.changesWorkspace === true;
}

/** A command run from the palette with no arguments gets the active document and cursor line when it takes them. */
export function withCursorArguments(commands: Map<string, CommandDescriptor>, command: string, args: unknown[], editor?: { uri: string; line: number }): unknown[] {
  return args.length === 0 && editor && commands.get(command)?.cursor ? [editor.uri, editor.line] : args;
}

/** A `$/progress` value as a VS Code progress step: the increment since the last percentage. */
export function progressStep(value: { kind: string; message?: string; percentage?: number }, last: number): { message?: string; increment?: number; percentage: number } {
  const percentage = typeof value.percentage === 'number' ? Math.max(last, Math.min(100, value.percentage)) : last;
  return { message: value.message, increment: percentage > last ? percentage - last : undefined, percentage };
}
