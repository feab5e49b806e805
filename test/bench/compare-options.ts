/** The command line of `npm run bench:compare`. */
import { parseArgs } from 'node:util';
import { SCENARIO_IDS } from './compare-scenarios.js';
import { parseVariant, type ArtemisMode, type ArtemisVariant } from './compare-targets.js';

export const USAGE = `Usage: npm run bench:compare -- [options]

Alternating rounds of the same load against an Artemis node, a bare node:http server answering
the same bytes, and etcd (when installed). wrk drives the load when installed, otherwise the
artemis bench HTTP generator in this process.

Options:
  --duration <s>       seconds of each measured run                    [5]
  --rounds <n>         rounds (each runs every scenario on every target) [2]
  --warmup <s>         untimed run of each scenario and target first    [1]
  --connections <n>    connections kept busy                            [50]
  --threads <n>        wrk threads; equal to --connections, the wrk script also
                       times each request without wrk's correction     [--connections]
  --generator <g>      auto | wrk | node                                [auto]
  --server <m>         built (npm run build, then node dist/...) | tsx  [built]
  --scenarios <list>   discovery,heartbeat,register,register-batch      [all]
  --ws-duration <s>    seconds of the WebSocket heartbeat run per round; 0 = skip  [--duration]
  --no-etcd            leave etcd out
  --variant <name=spec>  another Artemis node in the same rounds, compared with the first;
                       spec: an optional directory (a checkout with its own npm run build),
                       then --set key=value items and --node <flag> items (flags of node
                       itself), space-separated; repeatable. A variant from another
                       directory gets only its own --set items. Examples:
                       --variant 'before=../base --set rateLimit.registry.defaultLimit=100000000'
                       --variant 'cidr=--set security.register.allowedCidrs=127.0.0.0/8'
                       --variant 'semi=--node --max-semi-space-size=64'
  --profile            write a V8 CPU profile of the node (bench-results/profile-<time>/)
  --out <file>         results file                                    [bench-results/compare-<time>.json]
  -h, --help           show this help
`;

export interface Options {
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  threads: number;
  generator: 'auto' | 'wrk' | 'node';
  server: ArtemisMode;
  scenarios: string[];
  wsDurationS: number;
  etcd: boolean;
  variants: ArtemisVariant[];
  profile: boolean;
  out: string | undefined;
}

export function options(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      threads: { type: 'string' },
      generator: { type: 'string' },
      server: { type: 'string' },
      scenarios: { type: 'string' },
      'ws-duration': { type: 'string' },
      'no-etcd': { type: 'boolean' },
      variant: { type: 'string', multiple: true },
      profile: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) return null;
  const num = (raw: string | undefined, fallback: number, min: number, name: string) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
    return n;
  };
  const generator = values.generator ?? 'auto';
  if (generator !== 'auto' && generator !== 'wrk' && generator !== 'node') throw new Error('--generator: auto, wrk or node');
  const server = values.server ?? 'built';
  if (server !== 'built' && server !== 'tsx') throw new Error('--server: built or tsx');
  const scenarios = (values.scenarios ?? SCENARIO_IDS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of scenarios) if (!SCENARIO_IDS.includes(s)) throw new Error(`unknown scenario ${s}; one of ${SCENARIO_IDS.join(', ')}`);
  const durationS = num(values.duration, 5, 1, 'duration');
  return {
    durationS,
    rounds: Math.floor(num(values.rounds, 2, 1, 'rounds')),
    warmupS: num(values.warmup, 1, 0, 'warmup'),
    connections: Math.floor(num(values.connections, 50, 1, 'connections')),
    threads: Math.floor(num(values.threads, Math.floor(num(values.connections, 50, 1, 'connections')), 1, 'threads')),
    generator,
    server,
    scenarios,
    wsDurationS: num(values['ws-duration'], durationS, 0, 'ws-duration'),
    etcd: values['no-etcd'] !== true,
    variants: variantsOf(values.variant ?? []),
    profile: values.profile === true,
    out: values.out,
  };
}

export function variantsOf(specs: string[]): ArtemisVariant[] {
  const list = specs.map(parseVariant);
  const names = new Set<string>();
  for (const v of list) {
    if (names.has(v.name)) throw new Error(`--variant ${v.name} given twice`);
    names.add(v.name);
  }
  return list;
}
