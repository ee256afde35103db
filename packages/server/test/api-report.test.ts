import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiReports, entryPoints, REPO, UPDATE_COMMAND } from './support/api-report.ts';

/**
 * The public surface of @lift/server and @lift/client is a checked-in file: a change to an export, a signature
 * or a member of a public interface is a visible diff in review, never an accident.
 */
describe('the API reports', () => {
  const reports = apiReports();

  it.each([...reports.keys()])('%s matches the sources', (path) => {
    let committed = '';
    try {
      committed = readFileSync(join(REPO, path), 'utf8');
    } catch {}
    expect(reports.get(path), `the public API changed: run \`${UPDATE_COMMAND}\` and commit ${path}`).toBe(
      committed,
    );
  });

  it('covers every entry point the server package declares', () => {
    const server = reports.get('packages/server/api-report.md') ?? '';
    const specifiers = entryPoints('packages/server').map((point) => point.specifier);
    expect(specifiers).toEqual([
      '@lift/server',
      '@lift/server/http',
      '@lift/server/modules',
      '@lift/server/testing',
    ]);
    for (const specifier of specifiers) expect(server).toContain(`## \`${specifier}\``);
  });

  it('keeps internal classes and a test clock out of the root export', () => {
    const root = (reports.get('packages/server/api-report.md') ?? '').split('## `@lift/server/')[0] ?? '';
    for (const internal of [
      'Identity',
      'SessionManager',
      'Tokens',
      'Authenticator',
      'EventPublisher',
      'ManualClock',
    ]) {
      expect(root).not.toMatch(
        new RegExp(`^(/\\* type only \\*/ )?(class|interface|type) ${internal}\\b`, 'm'),
      );
    }
  });
});
