/**
 * Runs the benchmarks and prints their figures: `npm run bench` (all of them) or
 * `npm run bench -- topology` (only the named ones). Results also go to bench/results/latest.json.
 *
 * Each benchmark is a module exporting `run(): Promise<BenchResult>`; add new ones to BENCHMARKS.
 * Ratios are measured side by side in one run on one machine; they are reported, never asserted
 * by tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as activemqDrain from './activemq-drain.js';
import * as drain from './drain.js';
import * as fanout from './fanout.js';
import * as topology from './topology.js';

/** An absolute figure: a time, a size, a count. */
export interface BenchRow {
  label: string;
  value: number;
  unit: string;
}

/** A measured ratio and its goal (`value <= goal` or `value >= goal`). */
export interface BenchRatio {
  label: string;
  value: number;
  goal: number;
  comparison: '<=' | '>=';
  pass: boolean;
}

export interface BenchResult {
  title: string;
  rows: BenchRow[];
  ratios: BenchRatio[];
  /** Free-form remarks: what was measured, how, anything unusual in this run. */
  notes?: string[];
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchResult>;
}

export function ratio(label: string, value: number, comparison: BenchRatio['comparison'], goal: number): BenchRatio {
  return { label, value, goal, comparison, pass: comparison === '<=' ? value <= goal : value >= goal };
}

const BENCHMARKS: readonly Benchmark[] = [
  { name: 'topology', run: topology.run },
  { name: 'drain', run: drain.run },
  { name: 'fanout', run: fanout.run },
  { name: 'activemq-drain', run: () => activemqDrain.run() },
];

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
}

function table(headers: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatResult(result: BenchResult): string {
  const out = [`== ${result.title}`, ''];
  out.push(table(['figure', 'value', 'unit'], result.rows.map((r) => [r.label, formatNumber(r.value), r.unit]), new Set([1])));
  if (result.ratios.length > 0) {
    out.push('');
    out.push(
      table(
        ['ratio', 'value', 'goal', 'result'],
        result.ratios.map((r) => [r.label, r.value.toFixed(3), `${r.comparison} ${r.goal}`, r.pass ? 'PASS' : 'FAIL']),
        new Set([1]),
      ),
    );
  }
  for (const note of result.notes ?? []) out.push(`  * ${note}`);
  return out.join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const selected = wanted.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => wanted.includes(b.name));
  const results: { name: string; startedAt: string; durationS: number; result?: BenchResult; error?: string }[] = [];
  for (const benchmark of selected) {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    console.log(`-- running ${benchmark.name} ...`);
    try {
      const result = await benchmark.run();
      results.push({ name: benchmark.name, startedAt, durationS: (performance.now() - started) / 1000, result });
      console.log('\n' + formatResult(result) + '\n');
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      results.push({ name: benchmark.name, startedAt, durationS: (performance.now() - started) / 1000, error: message });
      console.error(`benchmark ${benchmark.name} failed: ${message}`);
      process.exitCode = 1;
    }
  }

  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, 'latest.json');
  const machine = { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemMB: Math.round(totalmem() / 2 ** 20) };
  await writeFile(file, JSON.stringify({ generatedAt: new Date().toISOString(), machine, benchmarks: results }, null, 2) + '\n');
  console.log(`results written to ${file}`);
}

// Run only as the entry point, so benchmarks can import the types and helpers above.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
