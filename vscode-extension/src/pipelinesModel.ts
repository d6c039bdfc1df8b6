// The Pipelines tree, built from the etlAgent/pipelines response (the discover JSON). Pure: no `vscode` import.

export interface DiscoverTransformation {
  name: string;
  kind: string;
  file: string;
  range?: { startLine: number; startColumn: number };
  reads: string[];
  writes: string[];
  calls?: string[];
}

export interface DiscoverTable {
  name: string;
  file?: string | null;
}

export interface DiscoverModel {
  transformations: DiscoverTransformation[];
  tables: DiscoverTable[];
  views?: DiscoverTable[];
  pipelines: { id: string; transformations: string[] }[];
}

export type NodeKind = 'pipeline' | 'transformation' | 'group' | 'table';

export interface TreeNode {
  kind: NodeKind;
  label: string;
  description?: string;
  /** Workspace-relative file to open on click, with a zero-based line. */
  file?: string;
  line?: number;
  children: TreeNode[];
}

/** pipeline → transformation → Reads / Writes → table (each opens where it is defined). */
export function buildTree(model: DiscoverModel): TreeNode[] {
  const transformations = new Map(model.transformations.map((t) => [t.name, t]));
  const definitions = new Map<string, DiscoverTable>();
  for (const t of [...(model.tables ?? []), ...(model.views ?? [])]) definitions.set(t.name.toLowerCase(), t);

  const tableNode = (name: string): TreeNode => {
    const def = definitions.get(name.toLowerCase());
    return def?.file
      ? { kind: 'table', label: name, file: def.file, line: 0, children: [] }
      : { kind: 'table', label: name, description: 'not in the workspace', children: [] };
  };

  const transformationNode = (t: DiscoverTransformation): TreeNode => {
    const children: TreeNode[] = [];
    if (t.reads.length > 0) children.push({ kind: 'group', label: 'Reads', description: `${t.reads.length}`, children: t.reads.map(tableNode) });
    if (t.writes.length > 0) children.push({ kind: 'group', label: 'Writes', description: `${t.writes.length}`, children: t.writes.map(tableNode) });
    return {
      kind: 'transformation',
      label: t.name,
      description: t.kind,
      file: t.file,
      line: t.range ? t.range.startLine - 1 : 0,
      children,
    };
  };

  return model.pipelines.map((p) => {
    const members = p.transformations.map((n) => transformations.get(n)).filter((t): t is DiscoverTransformation => t !== undefined);
    return {
      kind: 'pipeline',
      label: pipelineLabel(p.id, members),
      description: `${members.length} transformation${members.length === 1 ? '' : 's'}`,
      children: members.map(transformationNode),
    };
  });
}

function pipelineLabel(id: string, members: DiscoverTransformation[]): string {
  return id || (members[0]?.name ?? 'pipeline');
}
