/**
 * The identity module's public face: what other modules, the composition root and apps may use. Everything
 * else in this folder is internal (the boundary test in test/architecture refuses deep imports).
 *
 * Besides the module and its errors, it shares with access what invitation pages and signups reuse: the
 * account pages and their content negotiation, the origin check and the throttle. The face itself offers the
 * read-only user directory (`identity.directory`) and the invited signup (`identity.signUpInvited`).
 */
export { accountPaths } from './account-pages.ts';
export { bootstrapDevelopmentAdmin, createUserWithLink } from './bootstrap.ts';
export { IDENTITY_ERRORS } from './error-codes.ts';
export * from './errors.ts';
export { Identity, type InvitedSignup, type UserDirectory } from './identity.ts';
export { type PublicUser, publicUser } from './identity-deps.ts';
export { type PageContent, pageResponse } from './link-pages.ts';
export { type IdentityModuleOptions, identityModule } from './module.ts';
export { errorPageContent, errorPages, type PageBack, wantsPage } from './page-negotiation.ts';
export { issuedTokensBody } from './responses.ts';
export { refuseForeignOrigin, throttle } from './route-steps.ts';
export { normalizedOrNull, normalizeEmail, type User, type UserStatus } from './users/index.ts';
