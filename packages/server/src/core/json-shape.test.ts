import { describe, expect, it } from 'vitest';
import { jsonShapeProblem } from './json-shape.ts';

const tooDeep = (maxDepth: number) => ({ kind: 'too_deep', maxDepth });
const duplicate = { kind: 'duplicate_name' };

describe('jsonShapeProblem', () => {
  it('counts objects and arrays alike, up to and including the limit', () => {
    expect(jsonShapeProblem('{"a":[{"b":[1]}]}', 4)).toBeUndefined();
    expect(jsonShapeProblem('{"a":[{"b":[[1]]}]}', 4)).toEqual(tooDeep(4));
    expect(jsonShapeProblem('[[],[],[[]]]', 3)).toBeUndefined();
    expect(jsonShapeProblem('1', 1)).toBeUndefined();
    expect(jsonShapeProblem('"just a string"', 1)).toBeUndefined();
  });

  it('ignores brackets, braces and escaped quotes inside strings', () => {
    expect(jsonShapeProblem('{"a":"[[[{{{","b":"\\"[[[","c":"\\\\"}', 1)).toBeUndefined();
    expect(jsonShapeProblem('{"a\\"{":"\\\\\\"[[["}', 1)).toBeUndefined();
  });

  it('refuses a name twice in one object, escaped or not, but not in different objects', () => {
    expect(jsonShapeProblem('{"a":1,"a":2}', 8)).toEqual(duplicate);
    expect(jsonShapeProblem('{"a":1,"\\u0061":2}', 8)).toEqual(duplicate);
    expect(jsonShapeProblem('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}', 8)).toBeUndefined();
    expect(jsonShapeProblem('{"a":{"x":1},"b":{"x":1},"a":0}', 8)).toEqual(duplicate);
    // Values are not names, even when they equal one.
    expect(jsonShapeProblem('{"a":"a","b":["a","a"]}', 8)).toBeUndefined();
  });

  it('stops at the first level past the limit of a very deep text without recursing', () => {
    expect(jsonShapeProblem('['.repeat(500_000), 64)).toEqual(tooDeep(64));
  });
});
