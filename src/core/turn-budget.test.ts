import { describe, expect, it } from 'vitest';
import { TurnBudget } from './turn-budget.js';

/** Resolves in the check phase after every immediate queued before it. */
const afterImmediates = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBudget', () => {
  // The clock moves only by what each piece of work costs.
  const setup = (sliceMs: number, maxWaiting = 100) => {
    const clock = { t: 0 };
    const budget = new TurnBudget(sliceMs, maxWaiting, () => clock.t);
    const ran: string[] = [];
    const work = (name: string, costMs: number) => () => {
      ran.push(name);
      clock.t += costMs;
    };
    return { clock, budget, ran, work };
  };

  it('runs work at once while the turn has budget left', () => {
    const { budget, ran, work } = setup(1);
    budget.admit(work('a', 0.3));
    budget.admit(work('b', 0.3));
    budget.admit(work('c', 0.3));
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(budget.waiting).toBe(0);
  });

  it('with no budget (0) never defers', () => {
    const { budget, ran, work } = setup(0);
    for (const name of ['a', 'b', 'c', 'd']) budget.admit(work(name, 5));
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
  });

  it('defers work past the budget to later turns, in arrival order, some of it each turn', async () => {
    const { budget, ran, work } = setup(1);
    for (const name of ['a', 'b', 'c', 'd', 'e']) budget.admit(work(name, 0.6));
    // a starts the turn, b starts at 0.6 ms (within 1 ms), c would start at 1.2 ms
    expect(ran).toEqual(['a', 'b']);
    expect(budget.waiting).toBe(3);
    await afterImmediates();
    // the next turn has a budget of its own: c starts it, d fits, e waits again
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    expect(budget.waiting).toBe(1);
    // work that arrives while some waits goes behind it, even with budget left
    budget.admit(work('f', 0.1));
    expect(ran).toEqual(['a', 'b', 'c', 'd']);
    await afterImmediates();
    await afterImmediates();
    expect(ran).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(budget.waiting).toBe(0);
  });

  it('moves on every turn even when one piece of work is longer than the budget', async () => {
    const { budget, ran, work } = setup(1);
    for (const name of ['a', 'b', 'c']) budget.admit(work(name, 5));
    expect(ran).toEqual(['a']);
    await afterImmediates();
    expect(ran).toEqual(['a', 'b']);
    await afterImmediates();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('runs work at once while maxWaiting pieces wait (the queue is bounded)', async () => {
    const { budget, ran, work } = setup(1, 2);
    for (const name of ['a', 'b', 'c', 'd', 'e']) budget.admit(work(name, 5));
    // a runs, b and c wait, d and e find the queue full and run at once
    expect(ran).toEqual(['a', 'd', 'e']);
    expect(budget.waiting).toBe(2);
    await afterImmediates();
    await afterImmediates();
    expect(ran).toEqual(['a', 'd', 'e', 'b', 'c']);
  });

  it('drains a long queue at the cost of what it runs, in order', async () => {
    const { budget, ran, work } = setup(1, 100_000);
    budget.admit(work('first', 5));
    for (let i = 0; i < 5_000; i++) budget.admit(work(`w${i}`, 0.25));
    let turns = 0;
    while (budget.waiting > 0) {
      await afterImmediates();
      turns++;
    }
    // four pieces of 0.25 ms fit a 1 ms turn
    expect(turns).toBe(1_250);
    expect(ran).toEqual(['first', ...Array.from({ length: 5_000 }, (_, i) => `w${i}`)]);
  });

  it('gives a new turn a fresh budget once the last turn has ended', async () => {
    const { budget, ran, work } = setup(1);
    budget.admit(work('a', 0.9));
    budget.admit(work('b', 0.9));
    await afterImmediates();
    budget.admit(work('c', 0.9));
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(budget.waiting).toBe(0);
  });
});
