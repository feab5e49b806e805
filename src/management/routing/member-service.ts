import { BadRequestError } from '../../core/errors.js';
import { SUCCESS } from '../../core/response-status.js';
import { readObject } from '../../core/wire/json-reader.js';
import type { EntityWrite } from '../../store/management-store.js';
import {
  DELETE_GROUP_INSTANCES_FAILED,
  DELETE_SERVICE_INSTANCES_FAILED,
  GET_GROUP_INSTANCES_FAILED,
  GET_SERVICE_INSTANCES_FAILED,
  INSERT_GROUP_INSTANCES_FAILED,
  INSERT_SERVICE_INSTANCES_FAILED,
} from '../failures.js';
import { blank, obj, str } from '../requests.js';
import { decode, recordKeys, wire, type GroupInstanceRecord, type ServiceInstanceRecord } from './routing-records.js';
import { eq, logEntry, optionalInt, optionalLong, type Audit, type LogEntry, type RoutingSupport } from './routing-support.js';

const memberLog = (m: Pick<GroupInstanceRecord, 'groupId' | 'instanceId'>, a: Audit): LogEntry =>
  logEntry('group-instance', { groupId: m.groupId, instanceId: m.instanceId, operation: a.operation, operatorId: a.operatorId, token: a.token, reason: a.reason });

/** A logical instance's log row: every field but id and description, then the audit. */
const serviceInstanceLog = (s: Omit<ServiceInstanceRecord, 'id' | 'description'>, a: Audit): LogEntry =>
  logEntry('service-instance', {
    serviceId: s.serviceId,
    instanceId: s.instanceId,
    ip: s.ip,
    machineName: s.machineName,
    metadata: s.metadata,
    port: s.port,
    protocol: s.protocol,
    regionId: s.regionId,
    zoneId: s.zoneId,
    healthCheckUrl: s.healthCheckUrl,
    url: s.url,
    groupId: s.groupId,
    operation: a.operation,
    operatorId: a.operatorId,
    token: a.token,
  });

/**
 * Logical group members (instance ids a group holds besides those registered in it) and logical
 * service instances (instances management publishes with a service, always `up`).
 */
export class MemberService {
  constructor(private readonly s: RoutingSupport) {}

  insertGroupInstances(body: unknown): Promise<void> {
    const failure = INSERT_GROUP_INSTANCES_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const members = this.s.items(req, 'groupInstances').map((o, i) => {
        const groupId = optionalLong(o, 'groupId', `request.groupInstances[${i}]`);
        if (groupId === null) throw new BadRequestError(`groupInstances[${i}].groupId is null`);
        return { groupId, instanceId: this.s.texts(o, `groupInstances[${i}]`, ['instanceId']).instanceId };
      });
      const a = this.s.audit(req);
      await this.s.deps.commit(
        {
          entities: members.map((m): EntityWrite => ({ op: 'put', kind: 'group-instance', key: recordKeys.groupInstance(m.groupId, m.instanceId), create: { ...m }, update: {} })),
          logs: members.map((m) => memberLog(m, a)),
        },
        failure,
      );
    });
  }

  deleteGroupInstances(body: unknown): Promise<void> {
    return this.s.removeByIds(body, { failure: DELETE_GROUP_INSTANCES_FAILED, idsField: 'groupInstanceIds', kind: 'group-instance', decode: decode.groupInstance, log: memberLog });
  }

  getGroupInstances(body: unknown): Promise<object> {
    return this.s.run(GET_GROUP_INSTANCES_FAILED, async () => {
      const req = readObject(body, 'request') ?? {};
      const groupId = optionalLong(req, 'groupId', 'request');
      const instanceId = str(req, 'instanceId');
      const rows = (await this.s.readRecords('groupInstances')).filter(
        (m) => (groupId === null || m.groupId === groupId) && (blank(instanceId) || eq(m.instanceId, instanceId as string)),
      );
      return { groupInstances: rows.map(wire.groupInstance), responseStatus: SUCCESS };
    });
  }

  // ---- service instances (logical instances) ----

  insertServiceInstances(body: unknown): Promise<void> {
    const failure = INSERT_SERVICE_INSTANCES_FAILED;
    return this.s.run(failure, async () => {
      const req = this.s.deps.request(body);
      const max = this.s.deps.settings.maxFieldLength;
      const rows = this.s.items(req, 'serviceInstances').map((o, i): Omit<ServiceInstanceRecord, 'id'> => {
        const path = `serviceInstances[${i}]`;
        const t = this.s.texts(o, path, ['instanceId', 'url', 'ip', 'machineName', 'protocol', 'regionId', 'zoneId', 'healthCheckUrl', 'groupId'], ['serviceId', 'description']);
        if (t.serviceId === null) throw new BadRequestError(`${path}.serviceId is null`);
        const metadataObject = obj(o, 'metadata', `request.${path}`);
        if (metadataObject === null) throw new BadRequestError(`${path}.metadata is null or empty`);
        const metadata = JSON.stringify(metadataObject);
        if (metadata.length > max) throw new BadRequestError(`${path}.metadata is ${metadata.length} characters long as JSON; the limit is ${max} (limits.maxFieldLength)`);
        const port = optionalInt(o, 'port', `request.${path}`) ?? 0;
        return {
          serviceId: t.serviceId,
          instanceId: t.instanceId,
          ip: t.ip,
          machineName: t.machineName,
          metadata,
          port,
          protocol: t.protocol,
          regionId: t.regionId,
          zoneId: t.zoneId,
          healthCheckUrl: t.healthCheckUrl,
          url: t.url,
          description: t.description ?? null,
          groupId: t.groupId,
        };
      });
      const a = this.s.audit(req);
      await this.s.deps.commit(
        {
          entities: rows.map((r): EntityWrite => {
            const { serviceId, instanceId, ...rest } = r;
            return { op: 'put', kind: 'service-instance', key: recordKeys.serviceInstance(serviceId, instanceId), create: { ...r }, update: rest };
          }),
          logs: rows.map((r) => serviceInstanceLog(r, a)),
        },
        failure,
      );
    });
  }

  deleteServiceInstances(body: unknown): Promise<void> {
    return this.s.removeByIds(body, {
      failure: DELETE_SERVICE_INSTANCES_FAILED,
      idsField: 'serviceInstanceIds',
      kind: 'service-instance',
      decode: decode.serviceInstance,
      log: serviceInstanceLog,
    });
  }

  getServiceInstances(body: unknown): Promise<object> {
    return this.s.run(GET_SERVICE_INSTANCES_FAILED, async () => {
      const req = readObject(body, 'request') ?? {};
      const filters = (['serviceId', 'instanceId'] as const).map((f) => [f, str(req, f)] as const).filter(([, v]) => !blank(v));
      const rows = (await this.s.readRecords('serviceInstances')).filter((s) => filters.every(([f, v]) => eq(s[f], v as string)));
      return { responseStatus: SUCCESS, serviceInstances: rows.map(wire.serviceInstance) };
    });
  }
}
