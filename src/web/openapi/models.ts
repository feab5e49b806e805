import { ErrorCodes, Status } from '../../core/error-codes.js';
import { INSTANCE_SCHEMA } from '../../core/wire/instance.js';
import { arr, bool, int, nstr, obj, ref, str, strEnum, strMap, type Json } from './json-schema.js';

/** The shared wire types of the document (components/schemas), declared once each. */

const ERROR_CODES = Object.values(ErrorCodes);

function responseStatusSchema(): Json {
  return {
    ...obj(
      'Outcome of the call. Application errors never change the HTTP status (always 200).',
      {
        errorCode: strEnum(ERROR_CODES, 'Machine-readable code.'),
        message: nstr('Human-readable text; "" on success.'),
        status: strEnum(Object.values(Status), '"unknown" exists but is never produced.'),
      },
      ['errorCode', 'message', 'status'],
    ),
    example: { errorCode: 'success', message: '', status: 'success' },
  };
}

export function modelSchemas(): Json {
  const time = (what: string): Json => str(`${what}, "yyyy-MM-dd HH:mm:ss.SSS" in server local time.`);
  return {
    ResponseStatus: responseStatusSchema(),
    Instance: INSTANCE_SCHEMA,
    Service: obj(
      'A service and its instances.',
      {
        instances: arr(ref('Instance'), true, 'Live instances known to the node.'),
        logicInstances: arr(ref('Instance'), true, 'Logical instances defined by management groups.'),
        metadata: strMap('Never set by the registry.'),
        routeRules: arr(ref('RouteRule'), true, 'Routing rules attached by management.'),
        serviceId: str(),
      },
      ['serviceId'],
    ),
    RouteRule: obj('Routing rule attached by management; transported unchanged.', {
      groups: arr(ref('ServiceGroup'), true),
      routeId: nstr('Reserved ids: default-route-rule, canary-route-rule.'),
      strategy: nstr('weighted-round-robin (default) or close-by-visit.'),
    }),
    ServiceGroup: obj('Group of instances taking part in a route rule.', {
      groupKey: nstr('Group key; "default-group-key" is the implicit default.'),
      instanceIds: arr({ type: 'string' }, true),
      instances: arr(ref('Instance'), true),
      metadata: strMap(),
      weight: int('int32', 'Null or negative means 5; capped to 10000.', true),
    }),
    Zone: obj('A zone of a region.', { metadata: strMap(), regionId: nstr(), zoneId: nstr() }),
    DiscoveryConfig: obj(
      'What to discover, plus hints for discovery filters.',
      {
        discoveryData: strMap('Caller hints for discovery filters (reserved keys: appid, subenv).'),
        regionId: nstr('Caller region as seen by filters.'),
        serviceId: str('The service to discover.'),
        zoneId: nstr('Caller zone as seen by filters.'),
      },
      ['serviceId'],
    ),
    InstanceChange: obj('A change of one instance.', {
      changeTime: int('int64', 'Server time of the change, ms since the epoch.'),
      changeType: strEnum(['new', 'delete', 'change', 'reload'], 'reload means: re-fetch the whole service.'),
      instance: ref('Instance'),
    }),
    FailedInstance: obj('An instance the registry operation failed for.', {
      errorCode: strEnum(ERROR_CODES, 'Error code of section 1.4.'),
      errorMessage: nstr('"<instance display string>: <reason>".'),
      instance: ref('Instance', true, 'The instance exactly as received.'),
    }),
    ServiceNode: obj('An Artemis server node.', {
      url: str('Node base URL as configured; may contain a context path.'),
      zone: ref('Zone'),
    }),
    ServiceNodeStatus: obj('Status of an Artemis server node.', {
      allowDiscoveryFromOtherZone: bool('Node accepts discovery calls from other zones.', true),
      allowRegistryFromOtherZone: bool('Node accepts registry calls from other zones.', true),
      canServiceDiscovery: bool('Discovery capability while starting/unknown.', true),
      canServiceRegistry: bool('Registry capability while starting/unknown.', true),
      node: ref('ServiceNode'),
      status: strEnum(['starting', 'up', 'down', 'unknown'], 'Node lifecycle status.'),
    }),
    LeaseStatus: obj('A lease held by the registry.', {
      creationTime: time('Lease creation'),
      evitionTime: time('Eviction time (sic); epoch 0 when not evicted'),
      instance: str('Instance display string, e.g. "sha/sha-z1/demo.order/10.1.2.3:8080".'),
      renewalTime: time('Last renewal'),
      ttl: int('int64', 'Lease TTL in ms.'),
    }),
  };
}
