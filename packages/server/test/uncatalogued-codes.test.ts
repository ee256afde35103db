import { describe, expect, it } from 'vitest';
import { createLift } from '../src/app/create-lift.ts';
import { ConflictError, LiftError } from '../src/core/errors.ts';
import { captureLogger } from '../src/http/test-app.ts';
import { call } from './support/app-request.ts';

/**
 * Closed error codes at run time (app/uncatalogued-codes.ts): an answer whose code/status pair the app's
 * catalogue lacks still goes out as it is, but is counted and logged once per pair.
 */
describe('answers with codes the catalogue lacks', () => {
  it('counts each, warns once per code and status, and leaves declared codes alone', async () => {
    const captured = captureLogger();
    const app = createLift(
      { env: 'test', storage: { url: 'sqlite::memory:', kv: 'memory:' } },
      {
        logger: captured.logger,
        errors: [{ code: 'NOTE_LOCKED', status: 423, meaning: 'The note is locked.' }],
      },
    );
    app.get('/declared', () => {
      throw new LiftError('NOTE_LOCKED' as never, 423, 'Locked');
    });
    app.get('/undeclared', () => {
      throw new LiftError('NOTE_MISSING' as never, 404, 'Missing');
    });
    app.get('/wrong-status', () => {
      throw new LiftError('NOTE_LOCKED' as never, 409, 'Locked');
    });
    app.get('/lift-conflict', () => {
      throw new ConflictError('Taken');
    });
    try {
      expect((await call(app, '/declared')).status).toBe(423);
      expect((await call(app, '/lift-conflict')).status).toBe(409);
      expect(app.stats.uncataloguedErrors).toBe(0);
      for (let i = 0; i < 3; i += 1) expect((await call(app, '/undeclared')).status).toBe(404);
      expect((await call(app, '/wrong-status')).status).toBe(409);
      expect(app.stats.uncataloguedErrors).toBe(4);
      const warnings = captured.lines().filter((line) => String(line.msg).includes('does not declare'));
      expect(warnings.map((line) => [line.errorCode, line.status])).toEqual([
        ['NOTE_MISSING', 404],
        ['NOTE_LOCKED', 409],
      ]);
    } finally {
      await app.close();
    }
  });
});
