import { describe, expect, it } from 'vitest';
import { RoleCycleError } from './access-errors.ts';
import { RoleGraph } from './role-graph.ts';

function cycleOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof RoleCycleError) return error.path;
    throw error;
  }
  throw new Error('expected a RoleCycleError');
}

describe('RoleGraph', () => {
  it('refuses a cycle in a full set, naming the path', () => {
    const graph = new RoleGraph();
    const roles = [
      { id: 'admin', permissions: [], inherits: ['member'] },
      { id: 'member', permissions: [], inherits: ['admin'] },
    ];
    expect(cycleOf(() => graph.replaceAll(roles))).toEqual(['admin', 'member', 'admin']);
    expect(() => graph.replaceAll(roles)).toThrow(
      'Role inheritance would form a cycle: admin → member → admin.',
    );
    expect(graph.size).toBe(0);
  });

  it('refuses a role inheriting itself', () => {
    const graph = new RoleGraph();
    expect(cycleOf(() => graph.upsert({ id: 'admin', permissions: [], inherits: ['admin'] }))).toEqual([
      'admin',
      'admin',
    ]);
  });

  it('refuses an upsert that closes a long cycle and leaves the graph as it was', () => {
    const graph = new RoleGraph();
    graph.replaceAll([
      { id: 'a', permissions: ['x:read'], inherits: ['b'] },
      { id: 'b', permissions: [], inherits: ['c'] },
      { id: 'c', permissions: [] },
    ]);
    const error = (() => {
      try {
        graph.upsert({ id: 'c', permissions: [], inherits: ['a'] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toMatchObject({
      code: 'LIFT_ROLE_CYCLE',
      status: 409,
      extensions: { path: ['c', 'a', 'b', 'c'] },
    });
    expect(graph.get('c')?.inherits).toEqual([]);
    expect(graph.affectedBy(['c'])).toEqual(new Set(['c', 'b', 'a']));
  });

  it('accepts a diamond (shared ancestors are not cycles)', () => {
    const graph = new RoleGraph();
    expect(() =>
      graph.replaceAll([
        { id: 'owner', permissions: [], inherits: ['editor', 'billing'] },
        { id: 'editor', permissions: [], inherits: ['viewer'] },
        { id: 'billing', permissions: [], inherits: ['viewer'] },
        { id: 'viewer', permissions: ['notes:read'] },
      ]),
    ).not.toThrow();
  });

  it('survives a 10,000-deep chain without overflowing the stack', () => {
    const graph = new RoleGraph();
    const roles = Array.from({ length: 10_000 }, (_, i) => ({
      id: `r${i}`,
      permissions: [],
      inherits: i === 9_999 ? ['r0'] : [`r${i + 1}`],
    }));
    expect(cycleOf(() => graph.replaceAll(roles))).toHaveLength(10_001);
  });

  it('refuses duplicate ids, empty ids and malformed permissions', () => {
    const graph = new RoleGraph();
    expect(() =>
      graph.replaceAll([
        { id: 'a', permissions: [] },
        { id: 'a', permissions: [] },
      ]),
    ).toThrow(expect.objectContaining({ code: 'LIFT_ROLE_INVALID' }));
    expect(() => graph.upsert({ id: '', permissions: [] })).toThrow(
      expect.objectContaining({ code: 'LIFT_ROLE_INVALID' }),
    );
    expect(() => graph.upsert({ id: 'a', permissions: ['Notes:read'] })).toThrow(
      expect.objectContaining({ code: 'LIFT_PERMISSION_INVALID' }),
    );
    expect(() => graph.upsert({ id: 'a', permissions: [], inherits: [''] })).toThrow(
      expect.objectContaining({ code: 'LIFT_ROLE_INVALID' }),
    );
  });
});
