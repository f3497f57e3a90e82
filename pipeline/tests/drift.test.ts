/**
 * The handed-out handlers and the reference solution must not drift apart where the workshop needs
 * them alike: Map is the same code in both (Map has no exercise: only the comments may differ), and
 * each solution handler builds on the shared helpers its starting handler uses (the same names from
 * the same pipeline/shared modules), so a participant's fix looks like the solution. The
 * participants' code, and the lib/ files it bundles, import nothing through `@/`: it is bundled
 * standalone for Lambda, without this repository's tsconfig.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PIPELINE_FUNCTIONS } from '@/lib/pipeline-resources';

const repository = path.resolve(import.meta.dirname, '../..');
const pipeline = path.join(repository, 'pipeline');

function source(file: string): string {
  return readFileSync(file, 'utf8');
}

/** The module specifiers a file imports or re-exports from. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(source(file), true, true).importedFiles.map((imported) => imported.fileName);
}

/** The code of a file with its comments and formatting left out. */
function codeOf(file: string): string {
  const parsed = ts.createSourceFile(file, source(file), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return ts.createPrinter({ removeComments: true }).printFile(parsed);
}

/** Per pipeline/shared module a handler imports from, the names it imports. */
function sharedImportsOf(file: string): Record<string, string[]> {
  const parsed = ts.createSourceFile(file, source(file), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const shared: Record<string, string[]> = {};
  for (const statement of parsed.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('../shared/')) continue;
    const bindings = statement.importClause?.namedBindings;
    const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => (element.propertyName ?? element.name).text) : [];
    shared[specifier] = [...(shared[specifier] ?? []), ...names].sort();
  }
  return shared;
}

/** Resolves a relative specifier the way esbuild does for these files (`.ts`, or a folder's index.ts). */
function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  const candidate = [base, `${base}.ts`, path.join(base, 'index.ts')].find((file) => existsSync(file) && file.endsWith('.ts'));
  if (!candidate) throw new Error(`${path.relative(repository, from)} imports ${specifier}, which is not a TypeScript file`);
  return candidate;
}

/** Every file reachable by relative imports from `entries`, entries included. */
function bundledFiles(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(file)) if (specifier.startsWith('.')) pending.push(resolveRelative(file, specifier));
  }
  return [...seen].sort();
}

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => path.join(directory, name));
}

describe('the handed-out handlers and the reference solution', () => {
  it('have the same Map, comments aside', () => {
    expect(codeOf(path.join(pipeline, 'handlers/map.ts'))).toBe(codeOf(path.join(pipeline, 'solution/map.ts')));
  });

  it.each(PIPELINE_FUNCTIONS)('%s: the solution imports every shared helper the starting handler does, from the same module', (fn) => {
    const starting = sharedImportsOf(path.join(pipeline, 'handlers', `${fn}.ts`));
    const solution = sharedImportsOf(path.join(pipeline, 'solution', `${fn}.ts`));
    expect(Object.keys(starting).length).toBeGreaterThan(0);
    for (const [module, names] of Object.entries(starting))
      expect({ module, names: solution[module] ?? [] }).toEqual({ module, names: expect.arrayContaining(names) });
  });
});

describe("the participants' code", () => {
  const entries = [
    ...['handlers', 'solution', 'shared'].flatMap((folder) => typeScriptFiles(path.join(pipeline, folder))),
    ...typeScriptFiles(path.join(repository, 'testing/pipelines')),
  ];
  const files = bundledFiles(entries);

  it('bundles lib/ files it reaches by relative imports (so this check covers them)', () => {
    expect(files.some((file) => file.startsWith(path.join(repository, 'lib') + path.sep))).toBe(true);
  });

  it('imports nothing through @/ (it is bundled without the repository’s tsconfig)', () => {
    const throughAlias = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier.startsWith('@/'))
        .map((specifier) => `${path.relative(repository, file)}: ${specifier}`),
    );
    expect(throughAlias).toEqual([]);
  });
});
