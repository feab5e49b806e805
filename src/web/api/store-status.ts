import { z } from 'zod';
import { int64, named } from '../openapi/zod-components.js';
import { wire, type Endpoint } from '../endpoint.js';

/** A live peer and the management store it announces in gossip. */
export interface MemberStore {
  nodeId: string;
  url: string;
  storeId: string;
}

/** What `/api/status/store.json` shows. */
export interface StoreStatusView {
  kind: string;
  /** This node's store identity ('' until the store is open). */
  storeId: string;
  available: boolean;
  /** Epoch ms since when the store is unavailable; 0 while available. */
  unavailableSince: number;
  /** The last store failure seen ('' when none). */
  lastError: string;
  /** store.nodeLocal: a split store is shown but stops neither readiness nor writes. */
  nodeLocal: boolean;
  /** Whether this node takes management writes now. */
  acceptsWrites: boolean;
  /** Why the node reports not ready, or null. */
  notReadyReason: string | null;
  /** Live peers with the store each announces and whether it is this node's. */
  peers: Array<MemberStore & { sameStore: boolean }>;
}

export const GetStoreStatusResponse = named(
  'GetStoreStatusResponse',
  z
    .object({
      kind: z.string().describe('sqlite, redis or mysql.'),
      storeId: z.string().describe("This node's management store identity (written once when the store was first initialised; '' until it is open)."),
      available: z.boolean().describe('Whether the store answers; while false, management writes answer service-unavailable and discovery is served from memory.'),
      unavailableSince: int64('Epoch ms since when the store is unavailable; 0 while available.'),
      lastError: z.string().describe("The last store failure seen ('' when none)."),
      nodeLocal: z.boolean().describe('store.nodeLocal: a store that differs from the peers\' is shown but stops neither readiness nor management writes.'),
      acceptsWrites: z.boolean().describe('Whether this node takes management writes now.'),
      notReadyReason: z.string().nullable().describe('Why /ready answers not-ready, or null.'),
      peers: z
        .array(
          z.object({
            nodeId: z.string(),
            url: z.string(),
            storeId: z.string().describe("The store the peer announces in gossip ('' from a build that announces none)."),
            sameStore: z.boolean(),
          }),
        )
        .describe('Live gossip peers and their management stores.'),
    })
    .describe("This node's management store: identity, availability and the peers' stores."),
);

/** /api/status/store.json. */
export function storeStatusEndpoints(deps: { status: () => StoreStatusView }): Endpoint[] {
  return [
    {
      operationId: 'getStoreStatus',
      path: '/api/status/store.json',
      methods: ['GET', 'POST'],
      tag: 'status',
      summary: "Show this node's management store: identity, availability, and which peers share it.",
      response: GetStoreStatusResponse,
      rateLimit: 'none',
      access: 'public',
      handle: () => wire(deps.status()),
    },
  ];
}
