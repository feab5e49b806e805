import type { z } from 'zod';
import { configSchema } from './schema.js';

export type LeafKind = 'number' | 'boolean' | 'string' | 'record' | 'list';

export interface Leaf {
  path: string[];
  kind: LeafKind;
  description: string;
  envName: string;
}

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(s: z.ZodType): ZodDef {
  return (s as unknown as { _zod: { def: ZodDef } })._zod.def;
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let def = defOf(cur); def.innerType !== undefined; def = defOf(cur)) cur = def.innerType;
  return cur;
}

function snake(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `registry.lease.ttlMs` → `ARTEMIS_REGISTRY_LEASE_TTL_MS`. */
export function envNameOf(path: string[]): string {
  return `ARTEMIS_${path.map(snake).join('_')}`;
}

function walk(schema: z.ZodType, path: string[], out: Leaf[]): void {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'object' && def.shape !== undefined) {
    for (const [key, child] of Object.entries(def.shape)) walk(child, [...path, key], out);
    return;
  }
  const kind: LeafKind =
    def.type === 'number'
      ? 'number'
      : def.type === 'boolean'
        ? 'boolean'
        : def.type === 'record'
          ? 'record'
          : def.type === 'array'
            ? 'list'
            : 'string';
  out.push({ path, kind, description: schema.description ?? inner.description ?? '', envName: envNameOf(path) });
}

/** Every configurable key, in schema order. */
export const configLeaves: readonly Leaf[] = (() => {
  const out: Leaf[] = [];
  walk(configSchema, [], out);
  return out;
})();
