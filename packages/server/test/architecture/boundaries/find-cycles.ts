/**
 * Cycles in a directed graph, one concrete path per strongly connected component (Tarjan's algorithm, written
 * iteratively so a deep import chain cannot overflow the stack). A path starts and ends at the same node:
 * `['a', 'b', 'a']`. Nodes and successors are visited in sorted order, so the answer is stable.
 */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const nodes = [...edges.keys()].sort();
  const successors = (node: string): string[] => [...(edges.get(node) ?? [])].sort();
  return stronglyConnected(nodes, successors)
    .filter((component) => component.length > 1 || successors(component[0]!).includes(component[0]!))
    .map((component) => cycleThrough(component, successors))
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

function stronglyConnected(nodes: string[], successors: (node: string) => string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: string[] }> = [];
    const open = (node: string): void => {
      index.set(node, index.size);
      low.set(node, index.get(node)!);
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: successors(node) });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const child = frame.next.shift();
      if (child !== undefined) {
        if (!index.has(child)) open(child);
        else if (onStack.has(child)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node))
        components.push(popComponent(stack, onStack, frame.node));
    }
  }
  return components;
}

function popComponent(stack: string[], onStack: Set<string>, head: string): string[] {
  const component: string[] = [];
  for (;;) {
    const node = stack.pop()!;
    onStack.delete(node);
    component.push(node);
    if (node === head) return component.sort();
  }
}

/** The shortest cycle through the component's first node, found breadth-first inside the component. */
function cycleThrough(component: string[], successors: (node: string) => string[]): string[] {
  const start = component[0]!;
  const inside = new Set(component);
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of successors(node)) {
      if (!inside.has(next)) continue;
      if (next === start) return [...pathTo(cameFrom, start, node), start];
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`no cycle through ${start}`);
}

function pathTo(cameFrom: Map<string, string>, start: string, end: string): string[] {
  const path = [end];
  while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
  return path;
}
