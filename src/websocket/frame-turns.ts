import type { TurnBudget } from '../core/turn-budget.js';

/** What the admission of a frame needs of a WebSocket (`ws`'s `WebSocket` has it). */
export interface PausableSocket {
  readonly readyState: number;
  pause(): void;
  resume(): void;
}

/** `WebSocket.OPEN` of `ws`. */
const OPEN = 1;

/** The frames of one session that wait for a later turn. */
export interface FrameQueueState {
  waitingFrames: number;
  /** The socket was paused by `admitFrame` (and is resumed when its last waiting frame runs). */
  paused: boolean;
}

/**
 * Handles an inbound frame within the node's turn budget (`http.turnSliceMs`), after every
 * request body and frame already waiting, so that a socket read that brings many frames (a
 * read holds up to 64 KiB, and libuv reads a busy socket several times in one turn) does not
 * handle them all in one turn. While any frame of a session waits, its socket stops reading:
 * the frames wait in TCP, not in the node, and a session gets its answers in the order it sent
 * its frames. A frame whose session closed while it waited is dropped unhandled.
 */
export function admitFrame(turns: TurnBudget, ws: PausableSocket, state: FrameQueueState, handle: () => void): void {
  state.waitingFrames++;
  turns.admit(() => {
    state.waitingFrames--;
    if (state.waitingFrames === 0 && state.paused) {
      state.paused = false;
      ws.resume();
    }
    if (ws.readyState === OPEN) handle();
  });
  // still counted: the frame waits for a later turn
  if (state.waitingFrames > 0 && !state.paused) {
    state.paused = true;
    ws.pause();
  }
}
