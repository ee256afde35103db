// The repository's development entry (`node --conditions=lift-source bin/lift.js`): tsx compiles Lift's own
// TypeScript sources on load. Not in the package; the published `lift` runs dist/.
import { register } from 'tsx/esm/api';

register();
export const { main } = await import('../src/cli/main.ts');
