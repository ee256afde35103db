/**
 * Why a client operation failed. `code` is the server's stable Lift code from its problem+json answer
 * (`LIFT_INVALID_CREDENTIALS`, `LIFT_INVALID_GRANT`, `LIFT_TOKEN_REUSED`, …), or
 * `LIFT_CLIENT_UNEXPECTED_RESPONSE` when the answer was neither what was asked for nor a Lift problem.
 */
export class LiftClientError extends Error {
  override readonly name = 'LiftClientError';
  readonly code: string;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The problem+json body, when the server sent one. */
  readonly problem: Readonly<Record<string, unknown>> | null;

  constructor(code: string, status: number, message: string, problem: Record<string, unknown> | null = null) {
    super(message);
    this.code = code;
    this.status = status;
    this.problem = problem;
  }
}

export const UNEXPECTED_RESPONSE = 'LIFT_CLIENT_UNEXPECTED_RESPONSE';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error an unsuccessful answer stands for; reads (and so consumes) the body. */
export async function errorFromResponse(response: Response): Promise<LiftClientError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): reported as an unexpected response below.
  }
  if (isObject(body) && typeof body.code === 'string') {
    const message = typeof body.detail === 'string' ? body.detail : String(body.title ?? body.code);
    return new LiftClientError(body.code, response.status, message, body);
  }
  return new LiftClientError(
    UNEXPECTED_RESPONSE,
    response.status,
    `Unexpected ${response.status} answer from ${response.url || 'the server'}.`,
  );
}
