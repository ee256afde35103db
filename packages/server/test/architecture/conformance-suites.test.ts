import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/lift-process.ts';

/**
 * Issue 11: every store port has one conformance suite, every adapter of it runs that suite, and the storage
 * README lists them. A store adapter is a class named Sql…, Redis…, Memory… (or Dynamo…) that implements a
 * port; a port's suite is the `*.conformance.ts` whose describe block is titled `<Port> conformance: …`.
 */

const src = path.join(repoRoot, 'packages/server/src');

/** Mail transports are senders, not stores: each has its own test against a real transport. */
const NOT_STORES = new Set(['MailTransport']);

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const files = filesUnder(src).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
const tests = files.filter(({ file }) => file.endsWith('.test.ts'));

/** Port name → adapter class names. */
function storeAdapters(): Map<string, string[]> {
  const adapters = new Map<string, string[]>();
  for (const { file, text } of files) {
    if (file.endsWith('.test.ts') || file.endsWith('.conformance.ts')) continue;
    for (const match of text.matchAll(/class ((?:Sql|Redis|Memory|Dynamo)\w+) implements (\w+)/g)) {
      const [, adapter, port] = match;
      if (NOT_STORES.has(port!)) continue;
      adapters.set(port!, [...(adapters.get(port!) ?? []), adapter!]);
    }
  }
  return adapters;
}

/** Port name → its suite file. */
function suites(): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, text } of files) {
    if (!file.endsWith('.conformance.ts')) continue;
    for (const match of text.matchAll(/describe\(`(\w+) conformance: /g)) found.set(match[1]!, file);
  }
  return found;
}

const adapters = storeAdapters();
const suiteFiles = suites();

describe('conformance suites', () => {
  it('finds the store ports issue 11 names', () => {
    expect([...adapters.keys()]).toEqual(
      expect.arrayContaining([
        'KeyValueStore',
        'Broker',
        'SessionStore',
        'UserStore',
        'MfaFactorStore',
        'EmailTokenStore',
        'SigningKeyStore',
        'RefreshTokenStore',
        'RevocationStore',
        'TenantStore',
        'MembershipStore',
        'RoleStore',
        'GrantStore',
        'InvitationStore',
      ]),
    );
  });

  it.each([...adapters.keys()])('%s has a conformance suite next to its interface', (port) => {
    const suite = suiteFiles.get(port);
    expect(suite, `no *.conformance.ts titled "${port} conformance: …"`).toBeDefined();
    const declaring = files.find(({ file, text }) => {
      return !file.endsWith('.test.ts') && new RegExp(`export interface ${port}\\b`).test(text);
    });
    expect(path.dirname(suite!)).toBe(path.dirname(declaring!.file));
  });

  it.each([...adapters.entries()])('every adapter of %s runs its suite', (port, classes) => {
    const suite = path.basename(suiteFiles.get(port)!, '.ts');
    const runners = tests.filter(({ text }) => text.includes(`/${suite}.ts'`));
    for (const adapter of classes) {
      expect(
        runners.some(({ text }) => text.includes(adapter)),
        `no test file imports ${suite}.ts and names ${adapter}`,
      ).toBe(true);
    }
  });

  it('the storage README lists each port with its suite', () => {
    const readme = readFileSync(path.join(src, 'storage/README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Conformance suites'));
    for (const [port, suite] of suiteFiles) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${port}\``));
      expect(row, `no README row for ${port}`).toBeDefined();
      expect(row).toContain(path.basename(suite));
    }
  });
});
