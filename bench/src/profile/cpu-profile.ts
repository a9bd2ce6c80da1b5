/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) into self and inclusive time per
 * function and self time per module (an npm package, a node: module, or one of our packages).
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock (the one process.hrtime reads). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Cost {
  name: string;
  where: string;
  module: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle: the process's CPU, as the profiler saw it. */
  busyMs: number;
  functions: Cost[];
  modules: { module: string; selfMs: number }[];
}

const IDLE = new Set(['(idle)', '(root)']);

/** `window` (µs, monotonic clock) keeps only the samples taken in it: the upload, not start-up and shutdown. */
export function summarize(profile: CpuProfile, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const costs = new Map<string, Cost>();
  const costOf = (node: ProfileNode): Cost => {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName}@${url}:${lineNumber}`;
    let cost = costs.get(key);
    if (!cost) {
      cost = {
        name: functionName || '(anonymous)',
        where: url ? `${shortPath(url)}:${lineNumber + 1}` : '',
        module: moduleOf(url, functionName),
        selfMs: 0,
        totalMs: 0,
      };
      costs.set(key, cost);
    }
    return cost;
  };

  let busyMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    at += profile.timeDeltas[index] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    // timeDeltas[i + 1] is the time until the next sample: the time spent where sample i is.
    const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
    const node = byId.get(id)!;
    if (IDLE.has(node.callFrame.functionName)) return;
    busyMs += ms;
    costOf(node).selfMs += ms;
    const seen = new Set<Cost>();
    for (let frame: number | undefined = id; frame !== undefined; frame = parent.get(frame)) {
      const cost = costOf(byId.get(frame)!);
      if (!seen.has(cost)) {
        seen.add(cost);
        cost.totalMs += ms;
      }
    }
  });

  const modules = new Map<string, number>();
  for (const cost of costs.values()) modules.set(cost.module, (modules.get(cost.module) ?? 0) + cost.selfMs);
  return {
    busyMs,
    functions: [...costs.values()].filter((cost) => !IDLE.has(cost.name)),
    modules: [...modules].map(([module, selfMs]) => ({ module, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** An npm package (`@tus/server`), a node: area (`node:streams`), one of ours (`apps/api`), or a V8 bucket. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:'))
    return `node:${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`;
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(apps|packages|bench)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url;
}

function shortPath(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^.*\/((?:apps|packages|bench)\/)/, '$1');
}
