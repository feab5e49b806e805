import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { USAGE, options } from '../bench/compare-options.js';

// The command line of npm run bench:compare: what each flag sets, the defaults, and what it refuses.
describe('bench:compare options', () => {
  it('without flags: the defaults the usage text states, every scenario, etcd on', () => {
    expect(options([])).toEqual({
      durationS: 5,
      rounds: 2,
      warmupS: 1,
      connections: 50,
      threads: 50,
      generator: 'auto',
      server: 'built',
      scenarios: ['discovery', 'heartbeat', 'register', 'register-batch'],
      wsDurationS: 5,
      etcd: true,
      variants: [],
      profile: false,
      out: undefined,
    });
  });

  it('-h and --help ask for the usage text instead of a run', () => {
    expect(options(['-h'])).toBeNull();
    expect(options(['--duration', '3', '--help'])).toBeNull();
    expect(USAGE).toMatch(/^Usage: npm run bench:compare -- \[options\]\n/);
  });

  it('each flag sets its field; counts are whole, durations may be fractions', () => {
    const o = options([
      '--duration', '2.5', '--rounds', '3.9', '--warmup', '0', '--connections', '8', '--generator', 'node', '--server', 'tsx',
      '--scenarios', 'heartbeat, register', '--no-etcd', '--profile', '--out=r.json',
    ]);
    expect(o).toMatchObject({
      durationS: 2.5,
      rounds: 3,
      warmupS: 0,
      connections: 8,
      generator: 'node',
      server: 'tsx',
      scenarios: ['heartbeat', 'register'],
      etcd: false,
      profile: true,
      out: 'r.json',
    });
  });

  it('threads follow --connections and ws-duration follows --duration unless given', () => {
    expect(options(['--connections', '8', '--duration', '3'])).toMatchObject({ threads: 8, wsDurationS: 3 });
    expect(options(['--connections', '8', '--threads', '2', '--duration', '3', '--ws-duration', '0'])).toMatchObject({ threads: 2, wsDurationS: 0 });
  });

  it('variants: repeatable, with a directory, --set items, --node flags or several', () => {
    const o = options(['--variant', 'before=../base --set a.b=1', '--variant', 'cidr=--set x=y --set=z=w', '--variant', 'semi=--node --max-semi-space-size=64 --set a=b']);
    expect(o?.variants).toEqual([
      { name: 'before', root: resolve('../base'), settings: ['a.b=1'], nodeFlags: [] },
      { name: 'cidr', root: undefined, settings: ['x=y', 'z=w'], nodeFlags: [] },
      { name: 'semi', root: undefined, settings: ['a=b'], nodeFlags: ['--max-semi-space-size=64'] },
    ]);
    expect(() => options(['--variant', 'bad=--node'])).toThrow('--node takes one flag of node');
  });

  it('refuses values out of range, unknown choices, unknown flags and a variant named twice', () => {
    expect(() => options(['--duration', '0'])).toThrow('--duration must be a number >= 1');
    expect(() => options(['--rounds', 'two'])).toThrow('--rounds must be a number >= 1');
    expect(() => options(['--warmup=-1'])).toThrow('--warmup must be a number >= 0');
    expect(() => options(['--generator', 'ab'])).toThrow('--generator: auto, wrk or node');
    expect(() => options(['--server', 'dev'])).toThrow('--server: built or tsx');
    expect(() => options(['--scenarios', 'heartbeat,nope'])).toThrow('unknown scenario nope');
    expect(() => options(['--bogus'])).toThrow(/--bogus/);
    expect(() => options(['--duration'])).toThrow(/--duration/);
    expect(() => options(['--variant', 'a=--set k=v', '--variant', 'a=--set k=w'])).toThrow('--variant a given twice');
    expect(() => options(['--variant', 'etcd=--set k=v'])).toThrow('the name must be');
  });
});
