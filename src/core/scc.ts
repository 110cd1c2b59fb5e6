// Strongly connected components (Tarjan's algorithm, iterative so that 30,000-package chains do
// not overflow the stack). Components come out in reverse topological order: dependencies first
// when edges point from a package to what it needs.

export function stronglyConnected(
  nodes: Iterable<string>,
  edges: (n: string) => Iterable<string>,
): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;

  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; it: Iterator<string> }[] = [];
    const visit = (n: string): void => {
      index.set(n, next);
      low.set(n, next);
      next++;
      stack.push(n);
      onStack.add(n);
      work.push({ node: n, it: edges(n)[Symbol.iterator]() });
    };
    visit(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const step = top.it.next();
      if (!step.done) {
        const m = step.value;
        if (!index.has(m)) visit(m);
        else if (onStack.has(m)) low.set(top.node, Math.min(low.get(top.node)!, index.get(m)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        let m: string;
        do {
          m = stack.pop()!;
          onStack.delete(m);
          comp.push(m);
        } while (m !== top.node);
        out.push(comp);
      }
    }
  }
  return out;
}

/** One concrete cycle through `start` inside the given edges, as a path that ends where it began. */
export function findCycle(
  start: string,
  edges: (n: string) => Iterable<string>,
  within: Set<string>,
): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const m of edges(n)) {
      if (!within.has(m)) continue;
      if (m === start) {
        const path = [n];
        while (path[0] !== start) path.unshift(parent.get(path[0]!)!);
        return [...path, start];
      }
      if (!seen.has(m)) {
        seen.add(m);
        parent.set(m, n);
        queue.push(m);
      }
    }
  }
  return [start];
}
