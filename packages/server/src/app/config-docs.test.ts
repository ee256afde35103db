import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configCatalog } from '../core/config/catalog.ts';
import { GENERATE_COMMAND, renderConfigurationDoc, tableRow } from '../core/config/config-docs.ts';
import { EXAMPLE_SECRET } from '../core/config/secret.ts';
import { identityModule } from '../identity/module.ts';
import { sessionsModule } from '../sessions/module.ts';
import { DOCS_FILE, documentedCatalog, ENV_EXAMPLE_FILE } from './generate-config-docs.ts';

const REGENERATE = `run: ${GENERATE_COMMAND}`;
const CONFIG_KEYS = documentedCatalog().keys;

/** Table cells, trimmed, so the check survives biome padding the Markdown table. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

function documentedRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readFileSync(DOCS_FILE, 'utf8').split('\n')) {
    const match = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (match) rows.set(match[1]!, cells(line));
  }
  return rows;
}

describe('docs/configuration.md', () => {
  const rows = documentedRows();

  it.each(CONFIG_KEYS.map((k) => [k.key, k] as const))(
    'documents %s as the schema defines it',
    (name, key) => {
      const documented = rows.get(name);
      expect(documented, `${name} is missing from docs/configuration.md; ${REGENERATE}`).toBeDefined();
      const [, envVar, type, defaultValue, description] = cells(tableRow(key));
      expect(documented, `${name} is stale in docs/configuration.md; ${REGENERATE}`).toEqual([
        `\`${name}\``,
        envVar,
        type,
        defaultValue,
        description,
      ]);
    },
  );

  it('documents no key the schema does not have', () => {
    const known = new Set(CONFIG_KEYS.map((k) => k.key));
    expect([...rows.keys()].filter((name) => !known.has(name))).toEqual([]);
  });
});

describe('.env.example', () => {
  const example = readFileSync(ENV_EXAMPLE_FILE, 'utf8');

  it.each(CONFIG_KEYS.map((k) => [k.envVar]))('mentions %s', (envVar) => {
    expect(example, `${envVar} is missing from .env.example; ${REGENERATE}`).toMatch(
      new RegExp(`^#? ?${envVar}=`, 'm'),
    );
  });

  it('holds the placeholder secret that production refuses', () => {
    expect(example).toMatch(new RegExp(`^#? ?LIFT_SECRET=${EXAMPLE_SECRET}$`, 'm'));
  });
});

describe('the configuration doc of an app', () => {
  it('lists the sections of every module Lift ships, each under its owner', () => {
    const doc = renderConfigurationDoc(documentedCatalog());
    for (const [section, owner] of [
      ['sessions', 'sessions'],
      ['signup', 'identity'],
      ['passwords', 'identity'],
      ['lockout', 'identity'],
      ['access', 'access'],
      ['tokens', 'tokens'],
    ]) {
      expect(doc).toContain(`### \`${section}\` (module ${owner})`);
    }
    expect(doc).toContain('### `auth`\n');
  });

  it('has no tokens section for an app without the tokens module', () => {
    const doc = renderConfigurationDoc(configCatalog([sessionsModule(), identityModule()]));
    expect(doc).toContain('`sessions.idleTimeoutMs`');
    expect(doc).not.toMatch(/^\| `tokens\./m);
    expect(doc).not.toContain('### `tokens`');
    expect(doc).not.toMatch(/^\| `access\./m);
  });
});
