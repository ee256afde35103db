/** The environment without inherited `LIFT_*` settings, so Lift runs with its defaults plus the bench's. */
export function withoutLiftVariables(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('LIFT_')) env[key] = value;
  }
  return env;
}
