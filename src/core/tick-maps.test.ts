import { describe, expect, it } from 'vitest';
import { holdTickObjectMaps } from './tick-maps.js';

describe('holdTickObjectMaps', () => {
  it('holds a nextTick queue entry, the same one on every call', () => {
    const held = holdTickObjectMaps();
    expect(held).not.toBeNull();
    // the shape node gives its queue entries: two async id symbols, then callback and args
    expect(Object.getOwnPropertySymbols(held).map((s) => s.description)).toEqual(['async_id_symbol', 'trigger_async_id_symbol']);
    expect(Object.keys(held!)).toEqual(['callback', 'args']);
    expect(holdTickObjectMaps()).toBe(held);
  });
});
