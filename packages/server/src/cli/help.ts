/** What `lift --help` and `lift <command> --help` print. */

export const USAGE = `Usage: lift <command> [options]

Commands:
  init             Write a starter project: lift init DIR (then npm install && npm start)
  serve            Run the server (migrates automatically in development; --watch restarts on changes)
  migrate [up]     Apply pending migrations
  migrate status   List migrations and whether they ran
  config print     Show the effective configuration, secrets redacted
  users create     Create a user and print a one-time set-password link
  keys rotate      Make a new signing key active (the old one keeps verifying)
  access check     Whether a user holds a permission, and through which grant and roles
  secret reseal    Re-seal stored secrets with the current root secret (changing LIFT_SECRET)
  openapi          Print the app's OpenAPI 3.1 document (JSON)

Run lift <command> --help for its options.`;

export const HELP: Record<string, string> = {
  serve: `Usage: lift serve [--config FILE] [--app MODULE] [--port N] [--host ADDR] [--workers N] [--watch]

  --config FILE   Configuration file (default: lift.config.{ts,js,json} in the current directory)
  --app MODULE    Module whose default export builds the app (config key "app")
  --port N        TCP port (default 3000; env PORT or LIFT_PORT)
  --host ADDR     Address to listen on (default 127.0.0.1)
  --workers N     Processes to serve with; more than 1 uses node:cluster
  --watch         Development: restart when the app's files or the config file change (data kept)`,
  migrate: `Usage: lift migrate [up|status] [--config FILE] [--app MODULE]

  up       Apply pending migrations of Lift and of the app (default)
  status   List every migration and when it ran`,
  users: `Usage: lift users create --email ADDRESS [--name NAME] [--admin] [--config FILE] [--app MODULE]

  --email ADDRESS   The new user's email address
  --name NAME       Display name
  --admin           Grant the system admin role
  Prints a one-time link where the user sets a password; there are no default accounts.`,
  keys: `Usage: lift keys rotate [--config FILE] [--app MODULE]

  Makes a new signing key active on every node (broker event). Tokens signed by the previous key keep
  verifying until they expire; then the key leaves the JWKS.`,
  access: `Usage: lift access check --user ID|EMAIL --permission P [--tenant ID|SLUG] [--config FILE] [--app MODULE]

  --user ID|EMAIL   The user (id, user:<id>, or email address)
  --permission P    A permission to check, resource:action (notes:read)
  --tenant ID|SLUG  Decide in this tenant; without it only global grants count
  Prints allowed or denied and the chain grant → role → … → permission.
  Exit code: 0 allowed, 1 denied, 2 bad input (unknown user or tenant, malformed permission).
  Ids may begin with "-": pass them as --user=ID, --tenant=ID.`,
  openapi: `Usage: lift openapi [--config FILE] [--app MODULE]

  Prints the OpenAPI 3.1 document of every route of the app (Lift's and the app's) as JSON on stdout, whether
  or not openapi.enabled serves it at openapi.path. Redirect it to a file: lift openapi --app ./app.ts > api.json`,
  init: `Usage: lift init DIR

  Writes a starter project into DIR (new or empty): package.json, src/app.ts, lift.config.ts, .env.example,
  a test and a README. Then: cd DIR && npm install && npm start (npm test runs its test).`,
  config: `Usage: lift config print [--config FILE] [--sources]

  --sources   Also show where each value came from (default, file, env, flag)`,
};
