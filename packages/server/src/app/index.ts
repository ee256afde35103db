/**
 * The composition root's public face: `createLift` and the app it returns, `liftModules()`, the default
 * modules, `shippedModules()`, every module Lift ships (the `lift` command reads the config with their sections), and
 * the catalogue of error codes, and the app's OpenAPI document.
 */
export type {
  AppAccess,
  AppAccessControl,
  AppAccessTokens,
  AppAuthenticator,
  AppEvents,
  AppIdentity,
  AppOutbox,
  AppPermissions,
  AppSessions,
  AppStats,
  AppTokens,
} from './app-faces.ts';
export { createLift, LiftApp, type LiftOptions } from './create-lift.ts';
export { liftModules, shippedModules } from './default-modules.ts';
export { type ErrorCatalogEntry, LIFT_ERRORS } from './lift-errors.ts';
export { openApiDocumentOf } from './openapi-route.ts';
export { type SignedInUser, type SignedInUserOptions, signedInUser } from './signed-in-user.ts';
