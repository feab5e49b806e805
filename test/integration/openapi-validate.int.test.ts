import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode, type RunningNode } from '../helpers/node.js';

/** The document a node serves is a valid OpenAPI 3 document, by the schema of its own version. */

describe('the served OpenAPI document', () => {
  const nodes: RunningNode[] = [];
  beforeAll(async () => {
    nodes.push(await startTestNode(), await startTestNode({ contextPath: '/artemis-web' }));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  for (const [index, label] of [
    [0, 'at the root'],
    [1, 'below a context path'],
  ] as const) {
    it(`validates as OpenAPI 3 (${label})`, async () => {
      const res = await fetch(`${nodes[index]!.url}/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Record<string, unknown>;
      expect(doc['openapi']).toMatch(/^3\./);
      const validator = new Validator();
      const result = await validator.validate(doc);
      expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
      expect(result.valid).toBe(true);
      expect(validator.version).toMatch(/^3\./);
    });
  }

  it('the validator notices a broken document (a response without a description)', async () => {
    const doc = (await (await fetch(`${nodes[0]!.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const broken = structuredClone(doc);
    broken.paths['/health']!['get']!.responses['200'] = { content: {} };
    expect((await new Validator().validate(broken as unknown as Record<string, unknown>)).valid).toBe(false);
  });
});
