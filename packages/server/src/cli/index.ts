/**
 * The command line's public face: `main` is what `bin/lift.js` runs.
 */
export { main } from './main.ts';
