/**
 * The composition root's public face: `createLift` and the app it returns, `liftModules()`, the default
 * modules, and `shippedModules()`, every module Lift ships (the `lift` command reads the config with their sections).
 */
export { type AppStats, createLift, LiftApp, type LiftOptions } from './create-lift.ts';
export { liftModules, shippedModules } from './default-modules.ts';
