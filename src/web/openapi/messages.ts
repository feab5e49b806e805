import { arr, envelope, int, map, nstr, obj, ref, type Json } from './json-schema.js';

/** Requests and responses of the registry, discovery, replication and cluster-node endpoints (the Java wire types). */

const regionZone = (): Json => ({
  regionId: nstr('Caller region.'),
  zoneId: nstr('Caller zone.'),
});

function registryMessages(): Json {
  const out: Json = {};
  for (const op of ['Register', 'Heartbeat', 'Unregister']) {
    out[`${op}Request`] = obj(`${op} request.`, { instances: arr(ref('Instance')) }, ['instances']);
    out[`${op}Response`] = envelope(`${op} response.`, {
      failedInstances: arr(ref('FailedInstance'), true, 'Null when every instance succeeded.'),
    });
  }
  return out;
}

function discoveryMessages(): Json {
  return {
    LookupRequest: obj('One Service is returned per discovery config, in order.', {
      discoveryConfigs: arr(ref('DiscoveryConfig')),
      ...regionZone(),
    }),
    LookupResponse: envelope('Lookup response.', { services: arr(ref('Service'), true) }),
    GetServiceRequest: obj('Get one service.', { discoveryConfig: ref('DiscoveryConfig'), ...regionZone() }),
    GetServiceResponse: envelope('Get-service response.', { service: ref('Service', true) }),
    GetServicesRequest: obj('Get all services; both fields are ignored.', regionZone()),
    GetServicesResponse: envelope('Snapshot of the versioned cache.', {
      services: arr(ref('Service'), true),
      version: int('int64', 'Snapshot version; 0 on failure.'),
    }),
    GetServicesDeltaRequest: obj('Changes since a snapshot version; only version is used.', {
      ...regionZone(),
      version: int('int64', 'Version the caller holds.'),
    }),
    GetServicesDeltaResponse: envelope('Changes leading to the next version.', {
      delta: map(arr(ref('InstanceChange')), true, 'serviceId to its changes (new/delete only).'),
      version: int('int64', 'The version the delta leads to; 0 on failure.'),
    }),
  };
}

function replicationAndClusterMessages(): Json {
  return {
    ReplicationGetServicesRequest: obj('Copy of the registry; regionId must equal the node region.', regionZone()),
    ReplicationGetServicesResponse: envelope('Every service with at least one lease, unfiltered.', {
      services: arr(ref('Service'), true),
    }),
    GetServiceNodesRequest: obj('The caller region and zone.', regionZone()),
    GetServiceNodesResponse: envelope('Nodes; null with data-not-found when none is usable.', {
      nodes: arr(ref('ServiceNode'), true),
    }),
  };
}

export function messageSchemas(): Json {
  return { ...registryMessages(), ...discoveryMessages(), ...replicationAndClusterMessages() };
}
