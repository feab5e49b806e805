import { GroupService } from './group-service.js';
import { MemberService } from './member-service.js';
import { RouteRuleService } from './route-rule-service.js';
import { RoutingSupport, type RoutingDeps } from './routing-support.js';

export type { RoutingDeps, RoutingSettings } from './routing-support.js';

/**
 * Groups, route rules and their weighted links, group tags, group operations (group pull-out),
 * logical group members and logical service instances: the `/api/management/group/**` endpoints,
 * one service per resource over shared request checks. Writes are validated whole and go to the
 * store in one atomic batch (create-route-rule and an implicit group creation take two); reads
 * named "get-all-…" answer from the node's snapshot, the others from the store.
 */
export class RoutingService {
  /** Route rules and their links to groups (weights, release). */
  readonly rules: RouteRuleService;
  /** Groups, group tags and group operations. */
  readonly groups: GroupService;
  /** Logical group members and logical service instances. */
  readonly members: MemberService;

  constructor(deps: RoutingDeps) {
    const support = new RoutingSupport(deps);
    this.rules = new RouteRuleService(support);
    this.groups = new GroupService(support);
    this.members = new MemberService(support);
  }
}
