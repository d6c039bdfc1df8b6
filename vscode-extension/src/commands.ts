// What the extension knows about the server's commands and documents: which documents go to the
// server, and which commands the extension wraps (a progress notification, the Pipelines view
// refreshed afterwards). Pure, so it is tested with `node --test`.

/** SQL files, and sandbox test files (YAML) for the "Accept recorded expectations" lens and code action. */
export const documentSelector = [
  { scheme: 'file', language: 'sql' },
  { scheme: 'untitled', language: 'sql' },
  { scheme: 'file', pattern: '**/*.etltest.yaml' },
];

/** Long server commands shown as a cancellable progress notification, with their titles. */
export const progressCommands: Record<string, string> = {
  'etlAgent.fullRun': 'ETL Agent: Full Run',
  'etlAgent.mutate': 'ETL Agent: Mutation Analysis',
};

/** Commands after which the Pipelines view is refreshed (they write test files and re-run the workspace). */
export function refreshesPipelines(command: string): boolean {
  return command === 'etlAgent.fullRun' || command === 'etlAgent.generateTests';
}

/** A `$/progress` value as a VS Code progress step: the increment since the last percentage. */
export function progressStep(value: { kind: string; message?: string; percentage?: number }, last: number): { message?: string; increment?: number; percentage: number } {
  const percentage = typeof value.percentage === 'number' ? Math.max(last, Math.min(100, value.percentage)) : last;
  return { message: value.message, increment: percentage > last ? percentage - last : undefined, percentage };
}
