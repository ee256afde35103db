/** Pieces every benchmark's report shares: the machine it ran on and Markdown tables. */
import { cpus } from 'node:os';

export interface Machine {
  date: string;
  node: string;
  cpu: string;
  cores: number;
}

/** The report's header lines: date, Node version, CPU. */
export function machineLines(): string[] {
  const machine = describeMachine();
  return [
    `- Date: ${machine.date}`,
    `- Node: ${machine.node}`,
    `- CPU: ${machine.cpu} (${machine.cores} cores)`,
  ];
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cores[0]?.model.trim() ?? 'unknown CPU',
    cores: cores.length,
  };
}

/** Columns padded to equal width, as the repository's Markdown formatter (biome) writes tables. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(3, title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  const rule = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** A target line of a report: `name: **PASS** (value)` or `**FAIL**`. */
export function verdict(name: string, pass: boolean, value: string): string {
  return `${name}: **${pass ? 'PASS' : 'FAIL'}** (${value})`;
}
