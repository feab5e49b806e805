import { describe, expect, it } from 'vitest';
import { startInOrder, stopInReverse, type Lifecycle } from './lifecycle.js';

function part(name: string, log: string[], fail?: 'start' | 'stop'): Lifecycle {
  return {
    name,
    start: () => {
      if (fail === 'start') return Promise.reject(new Error(`${name} cannot start`));
      log.push(`start ${name}`);
      return Promise.resolve();
    },
    stop: (deadline) => {
      if (fail === 'stop') throw new Error(`${name} cannot stop`);
      log.push(`stop ${name} by ${deadline}`);
    },
  };
}

describe('lifecycle of parts', () => {
  it('starts in order and stops in reverse with one deadline, past a failing stop', async () => {
    const log: string[] = [];
    const parts = [part('a', log), part('b', log, 'stop'), part('c', log)];
    await startInOrder(parts);
    const failures: string[] = [];
    await stopInReverse(parts, 42, (name, err) => failures.push(`${name}: ${(err as Error).message}`));
    expect(log).toEqual(['start a', 'start b', 'start c', 'stop c by 42', 'stop a by 42']);
    expect(failures).toEqual(['b: b cannot stop']);
  });

  it('a failing start rejects and starts nothing after it', async () => {
    const log: string[] = [];
    await expect(startInOrder([part('a', log), part('b', log, 'start'), part('c', log)])).rejects.toThrow('b cannot start');
    expect(log).toEqual(['start a']);
  });
});
