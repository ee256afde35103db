import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../src/realtime/protocol.ts';

/**
 * docs/realtime-protocol.md is the reference clients in other languages write against: every close code and
 * every client message type of `protocol.ts` is in it, with its number and name, and it names no other.
 */

const doc = readFileSync(new URL('../../../../docs/realtime-protocol.md', import.meta.url), 'utf8');
const source = readFileSync(new URL('../../src/realtime/protocol.ts', import.meta.url), 'utf8');

describe('docs/realtime-protocol.md', () => {
  it('lists every close code with its number and name, and no other', () => {
    for (const [name, code] of Object.entries(CLOSE)) {
      expect(doc, `${code} ${name}`).toMatch(new RegExp(`\\| ${code} \\| \`${name}\``));
    }
    const documented = [...doc.matchAll(/^\| (\d{4}) \|/gm)].map((match) => Number(match[1]));
    expect(documented.sort()).toEqual(Object.values(CLOSE).sort());
  });

  it('lists every client message type the parser accepts', () => {
    const parsed = [...source.matchAll(/case '([a-z]+)':/g)].map((match) => match[1]!);
    expect(parsed.length).toBeGreaterThanOrEqual(6);
    for (const type of parsed) expect(doc).toContain(`| \`${type}\``);
  });
});
