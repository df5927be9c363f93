// After `vite build`: the JavaScript each route loads first (SvelteKit's entry, the root layout,
// the route's layouts and page, and every chunk they import statically), gzipped. Fails the build
// when any first load is over the budget. Later navigations and lazy imports are not counted.
import { readFileSync } from 'node:fs';
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

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const entryBytes = [...closure(entryKeys)].reduce((sum, file) => sum + gzippedBytes(file), 0);
const sizes = routes
  .map(({ route, nodes }) => {
    const files = closure([...entryKeys, ...nodes.map(nodeKey)]);
    return { route, bytes: [...files].reduce((sum, file) => sum + gzippedBytes(file), 0) };
  })
  .sort((a, b) => b.bytes - a.bytes);

const largest = sizes[0];
console.log(`\nInitial JavaScript, gzipped (entry ${kb(entryBytes)} + the first page's layouts, page and static imports; budget ${kb(budgetBytes)}):`);
for (const { route, bytes } of sizes) console.log(`  ${kb(bytes).padStart(9)}  ${route}`);
console.log(`Largest first load: ${kb(largest.bytes)} (${largest.route}).`);
if (largest.bytes > budgetBytes) {
  console.error(`The first load of ${largest.route} is ${kb(largest.bytes)} gzipped, over the ${kb(budgetBytes)} budget: lazy-load heavy parts (import()) or drop a dependency.`);
  process.exit(1);
}
