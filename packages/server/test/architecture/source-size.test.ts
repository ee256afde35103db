import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { longFunctions, MAX_FUNCTION_LINES, sizeViolations } from './source-size.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');

describe('source size', () => {
  it(`keeps every file of packages/server/src within 400 lines and every function within ${MAX_FUNCTION_LINES}`, () => {
    const found = sizeViolations(SRC).map(
      (v) => `${v.file}${v.where ? ` ${v.where}` : ''}: ${v.lines} lines`,
    );
    expect(found).toEqual([]);
  });

  it('measures functions, methods and arrow functions, nested ones too', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = [
      `function short() {\n${body(10)}\n}`,
      `function long() {\n${body(MAX_FUNCTION_LINES)}\n}`,
      `class C {\n  method() {\n${body(MAX_FUNCTION_LINES)}\n  }\n}`,
      `export const outer = () => {\n  const inner = () => {\n${body(MAX_FUNCTION_LINES)}\n  };\n};`,
    ].join('\n');
    const where = longFunctions('sample.ts', text).map((v) => v.where?.split(' ')[0]);
    expect(where).toEqual(['long', 'method', 'outer', 'inner']);
  });
});
