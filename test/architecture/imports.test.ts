// The dependency rules of src/, checked over the real import graph.
//
// dependency-cruiser reads every file under src/ (with the TypeScript compiler, so type-only
// imports, re-exports, dynamic import() and import('…') types all count) and resolves each
// `./x.js` to the `./x.ts` it stands for. The rules below are plain functions over that graph's
// edges; the same functions run over a small fixture tree (test/architecture/fixtures/) that
// breaks every rule on purpose, so a checker that silently finds nothing fails here too.
//
// The layering, from bottom to top: db, platform, environments, delivery, web, apis, server, and
// cli and testing side by side on top. src/tools is independent merchant-side tooling, outside
// the layers.
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import type { ICruiseResult } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtureRoot = fileURLToPath(new URL('./fixtures', import.meta.url));

/** Layer rank of each top-level folder of src/: a file may import only its own rank or below. */
const LAYERS: Readonly<Record<string, number>> = {
  db: 0,
  platform: 1,
  environments: 2,
  delivery: 3,
  web: 4,
  apis: 5,
  server: 6,
  cli: 7,
  testing: 7,
};
/** Top-level folders of src/ outside the layering. */
const OUTSIDE_LAYERS = ['tools'];
/** The API registry: the one file that may import several APIs. */
const API_REGISTRY = 'src/apis/index.ts';

interface Edge {
  from: string;
  to: string;
  /** How the import is written: import, type-only, export, dynamic-import, type-import… */
  kinds: string[];
}

interface ImportGraph {
  files: string[];
  edges: Edge[];
  /** Relative imports that did not resolve to a file: each one is an edge the rules cannot see. */
  unresolved: string[];
}

async function importGraph(baseDir: string): Promise<ImportGraph> {
  const { output } = await cruise(['src'], {
    baseDir,
    tsPreCompilationDeps: true,
    exclude: { path: 'node_modules' },
    doNotFollow: { path: 'node_modules' },
  });
  if (typeof output === 'string') throw new Error('dependency-cruiser returned text, not a result');
  return toGraph(output);
}

function toGraph(result: ICruiseResult): ImportGraph {
  const files: string[] = [];
  const edges: Edge[] = [];
  const unresolved: string[] = [];
  for (const module of result.modules) {
    if (!module.source.startsWith('src/')) continue;
    files.push(module.source);
    for (const dependency of module.dependencies) {
      if (dependency.couldNotResolve) {
        if (dependency.module.startsWith('.')) unresolved.push(`${module.source} → ${dependency.module}`);
        continue;
      }
      if (!dependency.resolved.startsWith('src/')) continue;
      const kinds = dependency.dependencyTypes.filter((t) => t !== 'local');
      edges.push({ from: module.source, to: dependency.resolved, kinds });
    }
  }
  files.sort();
  edges.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return { files, edges, unresolved };
}

/** `apis` for src/apis/ecom/routes.ts; `` for a file directly in src/. */
function topFolder(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts[1]! : '';
}

/** `ecom` for src/apis/ecom/routes.ts; undefined for a file that is not inside one API's folder. */
function apiOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts[1] === 'apis' && parts.length > 3 ? parts[2] : undefined;
}

function show(edge: Edge): string {
  const notable = edge.kinds.filter((k) => k !== 'import');
  return `${edge.from} → ${edge.to}${notable.length > 0 ? ` (${notable.join(', ')})` : ''}`;
}

// ---- The rules: each returns every import that breaks it, as `from → to` lines. ----

/** Rule 1: no API imports another API; only the registry may import several. */
function apiImportsAnotherApi(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const edge of edges) {
    const fromApi = apiOf(edge.from);
    const toApi = apiOf(edge.to);
    // src/apis/<a>/… → src/apis/<b>/…
    if (fromApi !== undefined && toApi !== undefined && fromApi !== toApi) out.push(show(edge));
    // src/apis/<a>/… → the registry, which imports every API.
    if (fromApi !== undefined && edge.to === API_REGISTRY) out.push(show(edge));
  }
  // A file directly in src/apis/ other than the registry that imports more than one API.
  const apisImportedBy = new Map<string, Set<string>>();
  for (const edge of edges) {
    const toApi = apiOf(edge.to);
    if (topFolder(edge.from) !== 'apis' || apiOf(edge.from) !== undefined || edge.from === API_REGISTRY) continue;
    if (toApi === undefined) continue;
    apisImportedBy.set(edge.from, (apisImportedBy.get(edge.from) ?? new Set()).add(toApi));
  }
  for (const edge of edges) {
    const toApi = apiOf(edge.to);
    if (toApi !== undefined && (apisImportedBy.get(edge.from)?.size ?? 0) > 1) out.push(show(edge));
  }
  return out.sort();
}

function importsInto(edges: Edge[], fromFolders: string[], toFolders: string[]): string[] {
  return edges
    .filter((e) => fromFolders.includes(topFolder(e.from)) && toFolders.includes(topFolder(e.to)))
    .map(show)
    .sort();
}

/** Rule 2a: src/platform and src/db import nothing above them. */
function platformOrDbImportsUpward(edges: Edge[]): string[] {
  return importsInto(
    edges,
    ['platform', 'db'],
    ['apis', 'server', 'web', 'delivery', 'environments', 'cli', 'testing'],
  );
}

/** Rule 2b: src/db imports nothing from src/ outside src/db. */
function dbImportsOutsideDb(edges: Edge[]): string[] {
  return edges
    .filter((e) => topFolder(e.from) === 'db' && topFolder(e.to) !== 'db')
    .map(show)
    .sort();
}

/** Rule 3: src/delivery imports no file of apis, server, web, cli. */
function deliveryImportsUpward(edges: Edge[]): string[] {
  return importsInto(edges, ['delivery'], ['apis', 'server', 'web', 'cli']);
}

/** Rule 4: no import runs back up the layers. */
function importsUpTheLayers(edges: Edge[]): string[] {
  return edges
    .filter((e) => {
      const from = LAYERS[topFolder(e.from)];
      const to = LAYERS[topFolder(e.to)];
      return from !== undefined && to !== undefined && to > from;
    })
    .map(show)
    .sort();
}

/**
 * Rule 5: no cycles between top-level folders of src/. Returns one line per import that takes
 * part in a cycle (both ends in the same strongly connected set of folders, across two folders),
 * each headed by the folders of its cycle.
 */
function folderCycles(edges: Edge[]): string[] {
  const next = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = topFolder(edge.from);
    const to = topFolder(edge.to);
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    if (from !== to) next.get(from)!.add(to);
  }
  // Tarjan's strongly connected components over the folder graph.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const componentOf = new Map<string, string>();
  let counter = 0;
  const visit = (folder: string): void => {
    index.set(folder, counter);
    low.set(folder, counter);
    counter += 1;
    stack.push(folder);
    onStack.add(folder);
    for (const to of next.get(folder)!) {
      if (!index.has(to)) {
        visit(to);
        low.set(folder, Math.min(low.get(folder)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(folder, Math.min(low.get(folder)!, index.get(to)!));
      }
    }
    if (low.get(folder) === index.get(folder)) {
      const members: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        members.push(member);
      } while (member !== folder);
      const name = members.sort().join(' ⇄ ');
      for (const m of members) componentOf.set(m, name);
    }
  };
  for (const folder of [...next.keys()].sort()) if (!index.has(folder)) visit(folder);

  const out: string[] = [];
  for (const edge of edges) {
    const from = topFolder(edge.from);
    const to = topFolder(edge.to);
    const component = componentOf.get(from)!;
    if (from !== to && component === componentOf.get(to)) out.push(`[${component}] ${show(edge)}`);
  }
  return out.sort();
}

interface Rule {
  name: string;
  check: (edges: Edge[]) => string[];
}

const RULES: Rule[] = [
  {
    name: 'no API imports another API (src/apis/<a>/ never imports src/apis/<b>/; only src/apis/index.ts may import several)',
    check: apiImportsAnotherApi,
  },
  {
    name: 'src/platform and src/db import no file of apis, server, web, delivery, environments, cli or testing',
    check: platformOrDbImportsUpward,
  },
  { name: 'src/db imports nothing from src/ outside src/db', check: dbImportsOutsideDb },
  { name: 'src/delivery imports no file of apis, server, web or cli', check: deliveryImportsUpward },
  {
    name: 'no import runs back up the layers (db < platform < environments < delivery < web < apis < server < cli, testing), type-only imports included',
    check: importsUpTheLayers,
  },
  { name: 'no circular imports between top-level folders of src/', check: folderCycles },
];

function report(rule: Rule, violations: string[]): string {
  return `${violations.length} import(s) break the rule "${rule.name}". Fix each of:\n  ${violations.join('\n  ')}\n`;
}

describe('import rules of src/ (over the real import graph)', () => {
  let graph: ImportGraph;
  beforeAll(async () => {
    graph = await importGraph(projectRoot);
  });

  it('the graph covers src/: every relative import resolves to a file and known imports are seen', () => {
    expect(graph.unresolved, 'relative imports that dependency-cruiser could not resolve').toEqual([]);
    expect(graph.files.length).toBeGreaterThan(50);
    // Something every layout has: the CLI starts the server.
    expect(graph.edges.some((e) => topFolder(e.from) === 'cli' && topFolder(e.to) === 'server')).toBe(true);
  });

  it('every file of src/ sits in a folder the layering knows (add a new folder to LAYERS)', () => {
    const known = new Set([...Object.keys(LAYERS), ...OUTSIDE_LAYERS]);
    expect(graph.files.filter((f) => !known.has(topFolder(f)))).toEqual([]);
  });

  for (const rule of RULES) {
    it(rule.name, () => {
      const violations = rule.check(graph.edges);
      expect(violations, report(rule, violations)).toEqual([]);
    });
  }
});

describe('the import rules flag the violations planted in test/architecture/fixtures/', () => {
  let graph: ImportGraph;
  beforeAll(async () => {
    graph = await importGraph(fixtureRoot);
  });

  // Each rule, with exactly what it must flag in the fixture tree (and nothing it allows).
  const expected: Record<string, string[]> = {
    [apiImportsAnotherApi.name]: [
      'src/apis/alpha/routes.ts → src/apis/beta/service.ts',
      'src/apis/gamma/service.ts → src/apis/index.ts',
      'src/apis/shared.ts → src/apis/alpha/domain.ts',
      'src/apis/shared.ts → src/apis/beta/service.ts',
    ],
    [platformOrDbImportsUpward.name]: ['src/platform/ids.ts → src/delivery/rows.ts (export)'],
    [dbImportsOutsideDb.name]: ['src/db/open.ts → src/platform/clock.ts (type-only)'],
    [deliveryImportsUpward.name]: ['src/delivery/outbox.ts → src/apis/beta/service.ts (dynamic-import)'],
    [importsUpTheLayers.name]: [
      'src/apis/alpha/routes.ts → src/server/app.ts (type-only)',
      'src/db/open.ts → src/platform/clock.ts (type-only)',
      'src/delivery/outbox.ts → src/apis/beta/service.ts (dynamic-import)',
      'src/environments/dns.ts → src/web/page.ts (type-import)',
      'src/platform/ids.ts → src/delivery/rows.ts (export)',
    ],
    [folderCycles.name]: [
      '[apis ⇄ server] src/apis/alpha/routes.ts → src/server/app.ts (type-only)',
      '[apis ⇄ server] src/server/app.ts → src/apis/index.ts',
      '[db ⇄ delivery ⇄ platform] src/db/open.ts → src/platform/clock.ts (type-only)',
      '[db ⇄ delivery ⇄ platform] src/delivery/rows.ts → src/db/open.ts',
      '[db ⇄ delivery ⇄ platform] src/platform/clock.ts → src/db/schema.ts',
      '[db ⇄ delivery ⇄ platform] src/platform/ids.ts → src/delivery/rows.ts (export)',
      '[environments ⇄ web] src/environments/dns.ts → src/web/page.ts (type-import)',
      '[environments ⇄ web] src/web/page.ts → src/environments/dns.ts (type-only)',
    ],
  };

  it('the fixture graph is complete', () => {
    expect(graph.unresolved).toEqual([]);
    expect(graph.files).toHaveLength(18);
  });

  for (const rule of RULES) {
    it(`flags exactly the planted breaks of: ${rule.name}`, () => {
      expect(rule.check(graph.edges)).toEqual(expected[rule.check.name]);
    });
  }
});
