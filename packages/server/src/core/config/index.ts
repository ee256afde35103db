/**
 * Public surface of Lift's configuration: the schema catalog (core's sections plus the app's modules'), loading,
 * validation, the root secret and printing.
 */
export { type ConfigCatalog, type ConfigOwner, configCatalog } from './catalog.ts';
export { DAY, durationMs, HOUR, MINUTE, perMinute, secretKey } from './config-fields.ts';
export { ENV_ALLOWLIST_PREFIXES } from './env.ts';
export { CONFIG_FILE_NAMES } from './file.ts';
export { type ConfigKey, type ConfigKeyKind, envVarName } from './keys.ts';
export type { ConfigSource } from './layer.ts';
export { type LoadConfigOptions, type LoadedConfig, loadConfig, parseConfig } from './load.ts';
export { type FormatConfigOptions, formatConfig } from './print.ts';
export { isSecretKey, REDACTED, redactUrlPasswords } from './redact.ts';
export {
  coreConfigSchema,
  type LiftConfig,
  type LiftConfigInput,
  type LiftConfigSections,
} from './schema.ts';
export {
  decodeSecret,
  deriveKey,
  EXAMPLE_SECRET,
  MIN_SECRET_BYTES,
  type ResolveRootSecretOptions,
  type RootSecret,
  resolveRootSecret,
} from './secret.ts';
