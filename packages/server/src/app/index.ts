/**
 * The composition root's public face: `createLift`, the app it returns, and the catalogue of error codes.
 */
export { type AppStats, createLift, LiftApp, type LiftOptions } from './create-lift.ts';
export { type ErrorCatalogEntry, LIFT_ERRORS } from './lift-errors.ts';
