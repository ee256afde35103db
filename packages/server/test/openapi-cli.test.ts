import { rmSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runLiftInProcess } from './support/lift-in-process.ts';
import { tempDataDir } from './support/lift-process.ts';

/** `lift openapi` prints the app's document, also where production would not serve it. */
it('lift openapi prints the OpenAPI document of the app', async () => {
  const dataDir = tempDataDir();
  try {
    const { code, stdout, stderr } = await runLiftInProcess(
      ['openapi', '--app', 'packages/server/test/fixtures/openapi-app.ts'],
      { LIFT_DATA_DIR: dataDir, LIFT_ENV: 'test', LIFT_OPENAPI__ENABLED: 'false', LIFT_LOG__LEVEL: 'silent' },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as {
      openapi: string;
      // biome-ignore lint/suspicious/noExplicitAny: the parsed document is read key by key in assertions.
      paths: Record<string, Record<string, any>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/auth/login']?.post).toBeDefined();
    expect(doc.paths['/openapi.json']).toBeUndefined();
    expect(doc.paths['/echo']?.post.responses['200'].content['application/json'].schema).toMatchObject({
      properties: { said: { type: 'string' } },
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 30_000);
