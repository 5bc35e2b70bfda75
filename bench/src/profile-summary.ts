/**
 * Prints where a `.cpuprofile` (from `pnpm bench --profile`) spends its time:
 * the functions with the most self time, then self time by package.
 * Usage: `pnpm --filter @wirecall/bench profile <file.cpuprofile> [--top=25]`.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `…/node_modules/.pnpm/ws@8.23.0/node_modules/ws/lib/sender.js` → `ws`; workspace sources → `packages/server`. */
function packageOf(url: string): string {
  if (url === '') return '(native / runtime)';
  if (url.startsWith('node:')) return 'node';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope = '', name = ''] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const workspace = /\/(packages\/[^/]+|bench|examples\/[^/]+)\//.exec(url);
  return workspace?.[1] ?? url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + '/node_modules/'.length);
  const workspace = /\/((packages|bench|examples)\/.*)$/.exec(url);
  return workspace?.[1] ?? url;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const top = Number(values.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = (byId.get(id) as ProfileNode).callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const key = `${functionName === '' ? '(anonymous)' : functionName}  ${url === '' ? '' : `${shortUrl(url)}:${String(lineNumber + 1)}`}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const name = functionName.startsWith('(') ? functionName : packageOf(url);
    byPackage.set(name, (byPackage.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  const row = (us: number, label: string): string =>
    `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${label}`;

  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)}%)`);
  console.log(`\nTop ${String(top)} functions by self time (% of busy time):`);
  for (const [label, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(row(us, label));
  console.log('\nSelf time by package:');
  for (const [label, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(row(us, label));
  console.log('');
}
