import { ErrorCodes } from '../../core/error-codes.js';
import { BadRequestError, RegistryError } from '../../core/errors.js';
import { RATE_LIMITED, SUCCESS } from '../../core/response-status.js';
import { readObject } from '../../core/wire/json-reader.js';
import { operationRow, type EntityWrite, type OperationRow, type WriteBatch } from '../../store/management-store.js';
import {
  DELETE_GROUP_TAGS_FAILED,
  DELETE_GROUPS_FAILED,
  GET_GROUP_OPERATIONS_FAILED,
  GET_GROUP_TAGS_FAILED,
  GET_GROUPS_FAILED,
  INSERT_GROUP_TAGS_FAILED,
  INSERT_GROUPS_FAILED,
  OPERATE_GROUP_OPERATION_FAILED,
  UPDATE_GROUP_TAGS_FAILED,
  UPDATE_GROUPS_FAILED,
} from '../failures.js';
import { blank, bool, list, obj, str } from '../requests.js';
import { decode, recordKeys, wire, type GroupRecord } from './routing-records.js';
import { collapseGroups, eq, fullBatch, groupLog, logEntry, optionalLong, putGroup, type Audit, type RoutingSupport } from './routing-support.js';

/** One operation label on one group. */
interface GroupLabel {
  groupId: number;
  label: string;
}

/**
 * Groups (insert, update, soft delete, the store read and the snapshot read), their tags, and
 * group operations: a label on a group pulls every instance registered in it out of discovery
 * until the operation is completed.
 */
export class GroupService {
  constructor(private readonly s: RoutingSupport) {}

  insertGroups(body: unknown): Promise<void> {
    return this.writeGroups(body, false, INSERT_GROUPS_FAILED);
  }

  updateGroups(body: unknown): Promise<void> {
    return this.writeGroups(body, true, UPDATE_GROUPS_FAILED);
  }

  private writeGroups(body: unknown, overwrite: boolean, failure: string): Promise<void> {
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const groups = this.s.items(req, 'groups').map((o, i) => this.s.groupInput(o, `groups[${i}]`));
      const a = this.s.audit(req);
      const batch = fullBatch();
      for (const g of collapseGroups(groups)) putGroup(batch, g, overwrite, a);
      await this.s.deps.commit(batch, failure);
    });
  }

  deleteGroups(body: unknown): Promise<void> {
    return this.s.removeByIds(body, { failure: DELETE_GROUPS_FAILED, idsField: 'groupIds', kind: 'group', decode: decode.group, soft: true, log: groupLog });
  }

  getGroups(body: unknown): Promise<object> {
    return this.s.run(GET_GROUPS_FAILED, async () => {
      if (this.s.limited('get.groups')) return { groups: null, responseStatus: RATE_LIMITED };
      const req = readObject(body, 'request') ?? {};
      const filters = (['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status'] as const).map((f) => [f, str(req, f)] as const).filter(([, v]) => !blank(v));
      const rows = (await this.s.readRecords('groups')).filter((g) => !g.deleted && filters.every(([f, v]) => eq(g[f], v as string)));
      return { groups: rows.map(wire.group), responseStatus: SUCCESS };
    });
  }

  getAllGroups(): object {
    return { groups: [...this.s.deps.state().routing.groupsById.values()].map(wire.group), responseStatus: SUCCESS };
  }

  // ---- group tags ----

  insertGroupTags(body: unknown): Promise<void> {
    return this.writeTags(body, INSERT_GROUP_TAGS_FAILED);
  }

  updateGroupTags(body: unknown): Promise<void> {
    return this.writeTags(body, UPDATE_GROUP_TAGS_FAILED);
  }

  private writeTags(body: unknown, failure: string): Promise<void> {
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const entities: EntityWrite[] = [];
      (list(req, 'groupTagsList') ?? []).forEach((item, i) => {
        const entry = readObject(item, `request.groupTagsList[${i}]`);
        const groupId = optionalLong(entry, 'groupId', `request.groupTagsList[${i}]`);
        const tags = obj(entry, 'tags', `request.groupTagsList[${i}]`);
        if (entry === null || groupId === null || tags === null) return;
        for (const [tag, value] of Object.entries(tags)) {
          const t = tag.trim();
          const v = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
          if (t === '' || v === '') continue;
          this.s.checkLengths([['tag', t], ['value', v]]);
          entities.push({ op: 'put', kind: 'group-tag', key: recordKeys.groupTag(groupId, t), create: { groupId, tag: t, value: v }, update: { value: v } });
        }
      });
      if (entities.length === 0) throw new BadRequestError('groupTagsList holds no tag to write');
      this.s.checkBatch('groupTagsList', entities.length, 'tags');
      await this.s.deps.commit({ entities }, failure);
    });
  }

  deleteGroupTags(body: unknown): Promise<void> {
    const failure = DELETE_GROUP_TAGS_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const groupId = optionalLong(req, 'groupId', 'request');
      const tag = str(req, 'tag');
      const value = str(req, 'value');
      if (groupId === null && blank(tag) && blank(value)) throw new BadRequestError('groupId, tag or value is required');
      const rows = (await this.s.records('group-tag', decode.groupTag)).filter(
        (t) => (groupId === null || t.groupId === groupId) && (blank(tag) || eq(t.tag, tag as string)) && (blank(value) || eq(t.value, value as string)),
      );
      await this.s.deps.commit({ entities: rows.map((t): EntityWrite => ({ op: 'delete', kind: 'group-tag', id: t.id })) }, failure);
    });
  }

  getGroupTags(body: unknown): Promise<object> {
    return this.s.run(GET_GROUP_TAGS_FAILED, () => {
      const groupId = optionalLong(readObject(body, 'request'), 'groupId', 'request');
      const tags = groupId === null ? undefined : this.s.deps.state().routing.tagsByGroup.get(groupId);
      return { groupTags: tags === undefined ? null : { groupId, tags: { ...tags } }, responseStatus: SUCCESS };
    });
  }

  getAllGroupTags(): object {
    const all = [...this.s.deps.state().routing.tagsByGroup].map(([groupId, tags]) => ({ groupId, tags: { ...tags } }));
    return { allGroupTags: all, responseStatus: SUCCESS };
  }

  // ---- group operations ----

  /** `operate-group-operations.json`: add or complete operation labels on groups by id. */
  operateGroupOperations(body: unknown): Promise<void> {
    const failure = OPERATE_GROUP_OPERATION_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const complete = bool(req, 'operationComplete');
      const pairs: GroupLabel[] = [];
      (list(req, 'groupOperationsList') ?? []).forEach((item, i) => {
        const path = `request.groupOperationsList[${i}]`;
        const entry = readObject(item, path);
        const groupId = optionalLong(entry, 'groupId', path);
        if (entry === null || groupId === null) return;
        (list(entry, 'operations', path) ?? []).forEach((op, j) => {
          const label = (str({ op }, 'op', `${path}.operations[${j}]`) ?? '').trim();
          if (label !== '') pairs.push({ groupId, label });
        });
      });
      if (pairs.length === 0) return;
      this.s.checkBatch('groupOperationsList', pairs.length, 'operations');
      const a = this.s.audit(req);
      this.s.checkLengths(pairs.map((p): [string, string] => ['operations[]', p.label]));
      await this.s.deps.commit(operationBatch(pairs, complete, a), failure);
    });
  }

  /** `operate-group-operation.json`: one label on the group found by its coordinates (created when missing). */
  operateGroupOperation(body: unknown): Promise<void> {
    const failure = OPERATE_GROUP_OPERATION_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const a = this.s.audit(req);
      const complete = bool(req, 'operationComplete');
      const coordinates = this.s.texts(req, 'request', [], ['serviceId', 'regionId', 'zoneId', 'name', 'appId', 'status', 'description']);
      const find = async (): Promise<GroupRecord | undefined> =>
        (await this.s.records('group', decode.group)).find(
          (g) => !g.deleted && (['serviceId', 'regionId', 'zoneId', 'name'] as const).every((f) => blank(coordinates[f] ?? null) || eq(g[f], coordinates[f] as string)),
        );
      let group = await find();
      if (group === undefined) {
        const input = this.s.groupInput(req, 'request');
        const batch: WriteBatch = { entities: [] };
        putGroup(batch, input, false, null);
        await this.s.deps.commit(batch, failure);
        group = await find();
        if (group === undefined) throw new RegistryError(ErrorCodes.internalServiceError, failure);
      }
      await this.s.deps.commit(operationBatch([{ groupId: group.id, label: a.operation }], complete, a), failure);
    });
  }

  getGroupOperations(body: unknown): Promise<object> {
    return this.s.run(GET_GROUP_OPERATIONS_FAILED, () => {
      const groupId = optionalLong(readObject(body, 'request'), 'groupId', 'request');
      const ops = groupId === null ? undefined : this.s.deps.state().groupOperations.get(groupId);
      return { groupOperations: ops === undefined ? null : { groupId, operations: [...ops] }, responseStatus: SUCCESS };
    });
  }

  getAllGroupOperations(): object {
    const all = [...this.s.deps.state().groupOperations].map(([groupId, operations]) => ({ groupId, operations: [...operations] }));
    return { allGroupOperations: all, responseStatus: SUCCESS };
  }
}

/** Operation rows (added, or removed when `complete`) with a group-operation log row each. */
function operationBatch(pairs: GroupLabel[], complete: boolean, a: Audit): WriteBatch {
  const rows: OperationRow[] = pairs.map((p) => operationRow({ kind: 'group', groupId: String(p.groupId), operation: p.label, operatorId: a.operatorId, token: a.token }));
  const logs = pairs.map((p) =>
    logEntry('group-operation', { groupId: p.groupId, operation: p.label, complete, operatorId: a.operatorId, token: a.token, extensions: a.extensions, reason: a.reason }),
  );
  return complete ? { remove: rows, logs } : { upsert: rows, logs };
}
