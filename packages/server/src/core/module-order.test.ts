import { describe, expect, it } from 'vitest';
import { LiftConfigError } from './errors.ts';
import type { LiftModule } from './module.ts';
import { orderModules } from './module-order.ts';

function module(name: string, needs: string[] = [], uses: string[] = []): LiftModule {
  return { name, needs, uses, build: () => ({ face: name }) };
}

const names = (modules: LiftModule[]) => modules.map((m) => m.name);

describe('orderModules', () => {
  it('puts every module after what it needs, keeping the listed order otherwise', () => {
    const ordered = orderModules([
      module('access', ['identity']),
      module('mail'),
      module('identity', ['sessions', 'mail'], ['tokens']),
      module('sessions'),
      module('tokens', [], ['sessions']),
    ]);
    expect(names(ordered)).toEqual(['sessions', 'mail', 'tokens', 'identity', 'access']);
  });

  it('ignores a used module that is absent', () => {
    expect(names(orderModules([module('identity', [], ['tokens'])]))).toEqual(['identity']);
  });

  it('names a missing dependency', () => {
    expect(() => orderModules([module('access', ['identity'])])).toThrow(
      new LiftConfigError(
        'The module list is not valid: module "access" needs "identity", which is not in the app.',
      ),
    );
  });

  it('names every problem at once, duplicates included', () => {
    expect(() => orderModules([module('a', ['x']), module('a'), module('b', ['y'])])).toThrow(
      /module "a" is listed twice; module "a" needs "x".*; module "b" needs "y"/,
    );
  });

  it('names the cycle, through uses as well as needs', () => {
    expect(() => orderModules([module('a', ['b']), module('b', [], ['c']), module('c', ['a'])])).toThrow(
      'The modules depend on each other in a cycle: a → b → c → a.',
    );
  });
});
