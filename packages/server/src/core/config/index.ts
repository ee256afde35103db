/** Public surface of Lift's configuration: loading, validation, the root secret and printing. */
export { ENV_ALLOWLIST_PREFIXES } from './env.ts';
export { CONFIG_FILE_NAMES } from './file.ts';
export { CONFIG_KEYS, type ConfigKey, type ConfigKeyKind, envVarName } from './keys.ts';
export type { ConfigSource } from './layer.ts';
export { type LoadConfigOptions, type LoadedConfig, loadConfig, parseConfig } from './load.ts';
export { type FormatConfigOptions, formatConfig } from './print.ts';
export { isSecretKey, REDACTED, redactUrlPasswords } from './redact.ts';
export { type LiftConfig, type LiftConfigInput, liftConfigSchema } from './schema.ts';
export {
  decodeSecret,
  deriveKey,
  EXAMPLE_SECRET,
  MIN_SECRET_BYTES,
  type ResolveRootSecretOptions,
  type RootSecret,
  resolveRootSecret,
} from './secret.ts';
