import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../core/turn-budget.js';
import { admitFrame, type FrameQueueState } from './frame-turns.js';

/** Resolves in the check phase after every immediate queued before it. */
const afterImmediates = () => new Promise<void>((resolve) => setImmediate(resolve));

class FakeSocket {
  readyState = 1;
  readonly calls: string[] = [];
  pause(): void {
    this.calls.push('pause');
  }
  resume(): void {
    this.calls.push('resume');
  }
}

describe('admitFrame', () => {
  // The clock moves only by what each frame costs: 5 ms, five times the 1 ms budget of a turn.
  const setup = () => {
    const clock = { t: 0 };
    const budget = new TurnBudget(1, 100, () => clock.t);
    const handled: string[] = [];
    const frame = (ws: FakeSocket, state: FrameQueueState, name: string) =>
      admitFrame(budget, ws, state, () => {
        handled.push(name);
        clock.t += 5;
      });
    return { budget, handled, frame };
  };

  it('handles one frame per turn when each spends the budget, in the order they arrived, the socket paused meanwhile', async () => {
    const { budget, handled, frame } = setup();
    const ws = new FakeSocket();
    const state = { waitingFrames: 0, paused: false };
    // one socket read that brought three frames
    for (const name of ['a', 'b', 'c']) frame(ws, state, name);
    expect(handled).toEqual(['a']);
    expect(state.waitingFrames).toBe(2);
    expect(ws.calls).toEqual(['pause']);
    await afterImmediates();
    expect(handled).toEqual(['a', 'b']);
    expect(ws.calls).toEqual(['pause']);
    await afterImmediates();
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(state.waitingFrames).toBe(0);
    expect(ws.calls).toEqual(['pause', 'resume']);
    expect(budget.waiting).toBe(0);
  });

  it('never pauses a socket whose frames all run at once', () => {
    const budget = new TurnBudget(1, 100, () => 0);
    const ws = new FakeSocket();
    const state = { waitingFrames: 0, paused: false };
    let handled = 0;
    for (let i = 0; i < 3; i++) admitFrame(budget, ws, state, () => handled++);
    expect(handled).toBe(3);
    expect(ws.calls).toEqual([]);
  });

  it('queues the frames of every session behind those already waiting, and resumes each session when its last frame ran', async () => {
    const { handled, frame } = setup();
    const one = new FakeSocket();
    const two = new FakeSocket();
    const s1 = { waitingFrames: 0, paused: false };
    const s2 = { waitingFrames: 0, paused: false };
    frame(one, s1, '1a');
    frame(two, s2, '2a');
    frame(one, s1, '1b');
    expect(handled).toEqual(['1a']);
    expect(one.calls).toEqual(['pause']);
    expect(two.calls).toEqual(['pause']);
    await afterImmediates();
    expect(handled).toEqual(['1a', '2a']);
    expect(two.calls).toEqual(['pause', 'resume']);
    expect(one.calls).toEqual(['pause']);
    await afterImmediates();
    expect(handled).toEqual(['1a', '2a', '1b']);
    expect(one.calls).toEqual(['pause', 'resume']);
  });

  it('drops a frame whose session closed while it waited', async () => {
    const { handled, frame } = setup();
    const ws = new FakeSocket();
    const state = { waitingFrames: 0, paused: false };
    frame(ws, state, 'a');
    frame(ws, state, 'b');
    ws.readyState = 3;
    await afterImmediates();
    expect(handled).toEqual(['a']);
    expect(state.waitingFrames).toBe(0);
  });
});
