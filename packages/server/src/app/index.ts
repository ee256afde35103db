/**
 * The composition root's public face: `createLift` and the app it returns.
 */
export { type AppStats, createLift, LiftApp, type LiftOptions } from './create-lift.ts';
