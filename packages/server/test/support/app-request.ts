/** Test support: send one request to an app without a socket. */
export const quiet = { log: { level: 'silent' as const } };

/**
 * Sends one request and, for a Lift app, waits until the events it emitted have run through their handlers
 * (they run after the answer: core/events.ts), so a test sees the request's events and their effects.
 */
export async function call(
  app: {
    fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
    events?: { settled(): Promise<void> };
  },
  path: string,
  init?: RequestInit,
  env?: unknown,
): Promise<Response> {
  const response = await app.fetch(new Request(`http://lift.test${path}`, init), env);
  await app.events?.settled();
  return response;
}
