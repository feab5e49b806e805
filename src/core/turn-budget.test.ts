import { describe, expect, it } from 'vitest';
import { TurnBudget } from './turn-budget.js';

/** Resolves in the check phase after every immediate queued before it. */
const afterImmediates = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBudget', () => {
  // The clock moves only by what each piece of work costs.
  const setup = (sliceMs: number) => {
    const clock = { t: 0 };
    const budget = new TurnBudget(sliceMs, () => clock.t);
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
