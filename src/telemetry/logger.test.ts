import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, resolveLogFormat } from './logger.js';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { chunks, stream };
}

describe('logger formats', () => {
  it('auto is pretty on a terminal and JSON otherwise', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('json writes one JSON object a line with level, time and message', () => {
    const { chunks, stream } = sink();
    createLogger({ level: 'info', format: 'json', destination: stream }).info({ serviceId: 'demo' }, 'instance expired');
    const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'instance expired', serviceId: 'demo' });
    expect(typeof line.time).toBe('string');
  });

  it('pretty writes readable lines through pino-pretty, without colours off a terminal', () => {
    const { chunks, stream } = sink();
    createLogger({ level: 'info', format: 'pretty', destination: stream }).info({ serviceId: 'demo' }, 'instance expired');
    const text = chunks.join('');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: instance expired\n\s+serviceId: "demo"\n$/);
  });

  it('auto off a terminal is JSON', () => {
    const { chunks, stream } = sink();
    createLogger({ level: 'info', format: 'auto', isTerminal: false, destination: stream }).info({}, 'x');
    expect(JSON.parse(chunks.join(''))).toMatchObject({ msg: 'x' });
  });
});
