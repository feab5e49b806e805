import { z } from 'zod';
import { envelope } from './management.js';

/**
 * Requests and responses of token administration (`/api/auth/*`, an extension of the Java API).
 * A secret appears once, in the answer that creates it; listings carry ids, names and scopes.
 */

export const TokenScopeSchema = z.enum(['read', 'register', 'operate', 'admin']).describe('read: discovery and management reads; register: register, heartbeat, unregister; operate: management writes (and read); admin: token administration (and every other scope).');

export const TokenInfoSchema = z
  .object({
    createTime: z.int().describe('When the token was created, ms since the epoch.'),
    createdBy: z.string().describe('The token (name and id) that created this one, or "bootstrap" for the first admin token.'),
    id: z.string().describe('Public identifier, e.g. tk_3f9a0c1d2e4b.'),
    name: z.string().describe('Unique name (ignoring letter case).'),
    scopes: z.array(TokenScopeSchema),
  })
  .describe('An API token, without its secret.');
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

export const CreateTokenRequestSchema = z
  .object({
    name: z.string().describe('1 to 64 letters, digits, dots, dashes or underscores; unique.'),
    scopes: z.array(z.string()).describe('One or more of read, register, operate, admin.'),
  })
  .describe('A token to create.');
export type CreateTokenRequest = z.infer<typeof CreateTokenRequestSchema>;

export const CreateTokenResponseSchema = envelope('The new token and its secret, shown only here (the node keeps only its SHA-256).', {
  secret: z.string().nullable().describe('Send as Authorization: Bearer <secret>.'),
  token: TokenInfoSchema.nullable(),
});
export type CreateTokenResponse = z.infer<typeof CreateTokenResponseSchema>;

export const ListTokensResponseSchema = envelope('Every token, oldest first.', { tokens: z.array(TokenInfoSchema).nullable() });
export type ListTokensResponse = z.infer<typeof ListTokensResponseSchema>;

export const RevokeTokenRequestSchema = z.object({ id: z.string().describe('Token id, or its name.') }).describe('The token to revoke.');
export type RevokeTokenRequest = z.infer<typeof RevokeTokenRequestSchema>;

export const RevokeTokenResponseSchema = envelope('The revoked token; every node refuses it from then on.', { token: TokenInfoSchema.nullable() });
export type RevokeTokenResponse = z.infer<typeof RevokeTokenResponseSchema>;

export const WhoAmIResponseSchema = envelope('The token the request carried (Authorization: Bearer), and whether management auth is on.', {
  managementAuth: z.boolean().describe('security.managementAuth of this node.'),
  token: TokenInfoSchema.omit({ createTime: true, createdBy: true }).nullable().describe('null without a valid token.'),
});
export type WhoAmIResponse = z.infer<typeof WhoAmIResponseSchema>;
