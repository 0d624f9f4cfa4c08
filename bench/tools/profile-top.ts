// Summarizes V8 .cpuprofile files (from node --cpu-prof): where the time went, by function (self
// and inclusive) and by package or source file, or the call stacks of one function.
// Usage: node dist/bench/tools/profile-top.js FILE... [--top N] [--callers FUNCTION]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package, one of our source files, Node's internals, or V8 itself. */
export function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/dist\/((?:src|bench|test)\/.*)$/.exec(url);
  return own ? (own[1] as string) : url;
}

function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${placeOf(url, functionName)}:${lineNumber + 1}`;
}

/** The profile's nodes by id, and each node's parent id. */
function indexNodes(profile: Profile): { parent: Map<number, number>; byId: Map<number, ProfileNode> } {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  return { parent, byId };
}

/** The heaviest call stacks (up to 16 frames) that end in functions named `name`. */
function callers(profile: Profile, name: string, top: number): string {
  const { parent, byId } = indexNodes(profile);
  const stacks = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const chain: string[] = [];
    let hit = false;
    for (let cur: number | undefined = id; cur !== undefined && chain.length < 16; cur = parent.get(cur)) {
      const n = byId.get(cur) as ProfileNode;
      if (!hit && n.callFrame.functionName !== name) continue;
      hit = true;
      chain.push(frameKey(n));
    }
    if (hit) stacks.set(chain.join(' < '), (stacks.get(chain.join(' < ')) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...stacks.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, ms]) => `  ${ms.toFixed(0).padStart(7)} ms  ${k}`)
    .join('\n');
}

function summarize(profile: Profile, top: number): string {
  const { parent, byId } = indexNodes(profile);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) return;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    const key = frameKey(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const place = placeOf(node.callFrame.url, node.callFrame.functionName);
    places.set(place, (places.get(place) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n) onStack.add(frameKey(n));
    }
    for (const k of onStack) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  });
  const busy = total - idle;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const list = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return [
    `profiled ${(total / 1000).toFixed(1)} s, busy ${(busy / 1000).toFixed(1)} s (percentages are of busy time)`,
    'by package or file (self time):',
    list(places, top),
    'by function, self time:',
    list(self, top),
    'by function, inclusive time:',
    list(inclusive, top),
  ].join('\n');
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 25;
const callersIndex = args.indexOf('--callers');
const callersOf = callersIndex >= 0 ? args.splice(callersIndex, 2)[1] : undefined;
for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const text = callersOf ? `stacks ending in ${callersOf}:\n${callers(profile, callersOf, top)}` : summarize(profile, top);
  process.stdout.write(`== ${file}\n${text}\n\n`);
}
