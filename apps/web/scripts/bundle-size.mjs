// After `vite build`: the JavaScript each route loads first (SvelteKit's entry, the root layout,
// the route's layouts and page, every chunk they import statically, and what their load functions
// import: a page is not shown before its load returns), gzipped. Fails the build when any first
// load is over the budget. Not counted: later navigations, and what components import once the
// page is on screen (Chart.js, CodeMirror), which the report lists apart.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const budgetBytes = 150 * 1024;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const output = path.join(root, '.svelte-kit', 'output', 'client');
const manifest = JSON.parse(readFileSync(path.join(output, '.vite', 'manifest.json'), 'utf8'));
const generated = '.svelte-kit/generated/build/client-optimized';
const app = readFileSync(path.join(root, generated, 'app.js'), 'utf8');

// What index.html preloads (SvelteKit's start and app entries and their chunks), plus the entries.
const keyOfFile = new Map(Object.entries(manifest).map(([key, chunk]) => [chunk.file, key]));
const preloaded = [...readFileSync(path.join(root, 'build', 'index.html'), 'utf8').matchAll(/href="\/([^"]+\.js)" rel="modulepreload"/g)].map(
  ([, file]) => keyOfFile.get(file) ?? file,
);
const entryKeys = [...preloaded, ...Object.keys(manifest).filter((key) => manifest[key].isEntry && !key.includes('/nodes/'))];
const nodeKey = (index) => `${generated}/nodes/${String(index)}.js`;

/** Every JS file a set of manifest entries loads statically. */
function closure(keys) {
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (chunk === undefined) throw new Error(`bundle-size: ${key} is not in the Vite manifest`);
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return files;
}

const gzipCache = new Map();
function gzippedBytes(file) {
  if (!gzipCache.has(file)) gzipCache.set(file, gzipSync(readFileSync(path.join(output, file)), { level: 9 }).length);
  return gzipCache.get(file);
}

const dictionary = /export const dictionary = (\{[\s\S]*?\n\t\});/.exec(app);
if (dictionary === null) throw new Error(`bundle-size: no route dictionary in ${generated}/app.js (did SvelteKit change its output?)`);
const routes = [...dictionary[1].matchAll(/"([^"]+)":\s*\[(-?\d+)(?:,\s*\[([\d,\s]*)\])?/g)].map(([, route, leaf, layouts]) => ({
  route,
  nodes: [0, ...(layouts ?? '').split(',').filter((value) => value.trim() !== '').map(Number), Math.abs(Number(leaf))],
}));
if (routes.length === 0) throw new Error('bundle-size: found no routes');

/**
 * The modules a node's load function (`+page.ts`, `+layout.ts`) imports with `import()`, as
 * manifest keys: SvelteKit waits for the load before it shows the page, so they are first load.
 */
const loadImportsOf = new Map();
function loadImports(index) {
  if (!loadImportsOf.has(index)) loadImportsOf.set(index, readLoadImports(index));
  return loadImportsOf.get(index);
}

function readLoadImports(index) {
  const node = readFileSync(path.join(root, `${generated}/nodes/${String(index)}.js`), 'utf8');
  const universal = /import \* as universal from "([^"]+)"/.exec(node);
  if (universal === null) return [];
  const source = path.resolve(root, generated, 'nodes', universal[1]);
  return [...readFileSync(source, 'utf8').matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map(([, specifier]) => {
    const file = specifier.startsWith('#lib/') ? path.join(root, 'src/lib', specifier.slice('#lib/'.length)) : path.resolve(path.dirname(source), specifier);
    const candidates = [file, file.replace(/\.js$/, '.ts')].map((candidate) => path.relative(root, candidate));
    const key = candidates.find((candidate) => manifest[candidate] !== undefined);
    if (key === undefined || !existsSync(path.join(root, key))) throw new Error(`bundle-size: ${specifier} (imported by ${path.relative(root, source)}'s load) is not in the Vite manifest`);
    return key;
  });
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const sum = (files) => [...files].reduce((total, file) => total + gzippedBytes(file), 0);
const entryBytes = sum(closure(entryKeys));
const firstLoads = routes.map(({ route, nodes }) => ({ route, files: closure([...entryKeys, ...nodes.map(nodeKey), ...nodes.flatMap(loadImports)]) }));
const sizes = firstLoads.map(({ route, files }) => ({ route, bytes: sum(files) })).sort((a, b) => b.bytes - a.bytes);

const largest = sizes[0];
console.log(`\nInitial JavaScript, gzipped (entry ${kb(entryBytes)} + the first page's layouts, page, their static imports and their loads' imports; budget ${kb(budgetBytes)}):`);
for (const { route, bytes } of sizes) console.log(`  ${kb(bytes).padStart(9)}  ${route}`);
console.log(`Largest first load: ${kb(largest.bytes)} (${largest.route}).`);

// What components fetch once their page is on screen: each such chunk, with what it adds to the
// first load of the pages whose components import it (the most, over those pages).
const countedLoadImports = new Set(routes.flatMap(({ nodes }) => nodes.flatMap(loadImports)));
const lazy = Object.entries(manifest)
  .filter(([key, chunk]) => chunk.isDynamicEntry && !countedLoadImports.has(key) && !key.startsWith('.svelte-kit/') && !key.includes('@sveltejs/kit'))
  .map(([key]) => {
    const importers = Object.values(manifest).filter((chunk) => (chunk.dynamicImports ?? []).includes(key)).map((chunk) => chunk.file);
    const users = firstLoads.filter(({ files }) => importers.some((file) => files.has(file)));
    const extra = Math.max(0, ...users.map(({ files }) => sum([...closure([key])].filter((file) => !files.has(file)))));
    return { key, extra, users: users.map(({ route }) => route) };
  })
  .filter(({ extra }) => extra > 0);
if (lazy.length > 0) {
  console.log('Fetched by components once the page is on screen (not counted above; at most, beyond a first load):');
  for (const { key, extra, users } of lazy) console.log(`  ${kb(extra).padStart(9)}  ${key} (${users.join(', ')})`);
}
if (largest.bytes > budgetBytes) {
  console.error(`The first load of ${largest.route} is ${kb(largest.bytes)} gzipped, over the ${kb(budgetBytes)} budget: lazy-load heavy parts (import()) or drop a dependency.`);
  process.exit(1);
}
