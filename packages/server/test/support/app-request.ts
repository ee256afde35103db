/** Test support: send one request to an app without a socket. */
export const quiet = { log: { level: 'silent' as const } };

export function call(
  app: { fetch: (request: Request, env?: unknown) => Response | Promise<Response> },
  path: string,
  init?: RequestInit,
  env?: unknown,
): Response | Promise<Response> {
  return app.fetch(new Request(`http://lift.test${path}`, init), env);
}
