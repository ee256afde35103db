/**
 * The composition root's public face: `createLift` and the app it returns, and `liftModules()`, every module
 * Lift ships (the `lift` command reads the config with their sections).
 */
export { type AppStats, createLift, LiftApp, type LiftOptions } from './create-lift.ts';
export { liftModules } from './default-modules.ts';
