// `npm run bench:pricing`: how fast the estimator prices a mixed set of requests, how fast
// suggestCheaper answers, and the gzipped size of the browser bundle. Figures go in
// docs/BENCHMARKS.md and the package README.
import os from 'node:os';
import { estimate, parseCatalog, suggestCheaper } from '../src/index.js';
import defaultData from '../src/catalogs/default.json' with { type: 'json' };
import { libraryWithDefaultCatalog, measureBundleSize, wholeLibrary } from './bundle-size.js';
import { mixedRequests } from './mixed-requests.js';

const roundDurationMs = 1_000;
const rounds = 5;

/** Calls `work` over and over for about a second, `rounds` times; the median rate per second. */
function medianRate(work: () => number): number {
  const rates: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    let calls = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < roundDurationMs) {
      calls += work();
      elapsed = performance.now() - started;
    }
    rates.push((calls * 1_000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

const requests = mixedRequests();
const invalid = requests.filter(({ catalog, request, usage }) => !estimate(request, catalog, usage).ok).length;

// Warm up, so the figure is the steady state the server runs in.
for (let pass = 0; pass < 20; pass += 1) for (const { catalog, request, usage } of requests) estimate(request, catalog, usage);

let sink = 0;
const estimatesPerSecond = medianRate(() => {
  for (const { catalog, request, usage } of requests) {
    const result = estimate(request, catalog, usage);
    sink += result.ok ? result.credits : result.errors.length;
  }
  return requests.length;
});

const overBudget = requests.filter((_, index) => index % 10 === 0);
const suggestionsPerSecond = medianRate(() => {
  for (const { catalog, request, usage } of overBudget) {
    const suggestion = suggestCheaper(request, 10, catalog, usage);
    sink += suggestion.ok ? suggestion.estimate.credits : 0;
  }
  return overBudget.length;
});

const parsesPerSecond = medianRate(() => {
  sink += parseCatalog(structuredClone(defaultData)).ok ? 1 : 0;
  return 1;
});

const library = await measureBundleSize(libraryWithDefaultCatalog);
const whole = await measureBundleSize(wholeLibrary);

const format = (value: number) => Math.round(value).toLocaleString('en-US');
const kilobytes = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`@atelier/pricing benchmark — Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`);
console.log(`mixed set: ${requests.length} requests over 3 catalogs and 11 operations, ${invalid} of them invalid`);
console.log(`estimate:          ${format(estimatesPerSecond)} estimates/s (median of ${rounds} × ${roundDurationMs} ms)`);
console.log(`suggestCheaper:    ${format(suggestionsPerSecond)} suggestions/s (budget 10)`);
console.log(`parseCatalog:      ${format(parsesPerSecond)} parses/s of the default catalog`);
console.log(`bundle, library + default catalog: ${kilobytes(library.gzippedBytes)} gzipped (${format(library.gzippedBytes)} B; ${kilobytes(library.minifiedBytes)} minified)`);
console.log(`bundle, whole index (3 catalogs):  ${kilobytes(whole.gzippedBytes)} gzipped (${format(whole.gzippedBytes)} B; ${kilobytes(whole.minifiedBytes)} minified)`);
if (sink === Number.MIN_VALUE) console.log(sink);
