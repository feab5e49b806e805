import { arr, envelope, int, map, nstr, obj, ref, type Json } from './json-schema.js';

/** Requests and responses of the registry, discovery, replication and cluster-node endpoints (the Java wire types). */

const regionZone = (): Json => ({
  regionId: nstr('Caller region.'),
  zoneId: nstr('Caller zone.'),
});

function registryMessages(): Json {
  const out: Json = {};
  for (const op of ['Register', 'Heartbeat', 'Unregister']) {
    out[`${op}Request`] = obj(
      `${op} request.`,
      {
        instances: arr(ref('Instance')),
        stamps: arr(
          int('int64', undefined, true),
          false,
          'Replication only (ignored by Java peers and on client endpoints): the order stamp of each instance\'s registration, beside it.',
        ),
      },
      ['instances'],
    );
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
    ReplicationGetServicesResponse: withLeaseState(
      envelope('Every service with at least one lease, unfiltered.', {
        services: arr(ref('Service'), true),
      }),
    ),
    GetServiceNodesRequest: obj('The caller region and zone.', regionZone()),
    GetServiceNodesResponse: envelope('Nodes; null with data-not-found when none is usable.', {
      nodes: arr(ref('ServiceNode'), true),
    }),
  };
}

/** The optional `leaseState` of a registry copy (asked for with `leaseState=true`; Java peers never ask). */
function withLeaseState(response: Json): Json {
  const leaseState = obj(
    'Lease state of the copy: what a copy needs so that lease ages and finished unregistrations survive it.',
    {
      renewalRates: map(
        { type: ['number', 'null'] },
        false,
        'Per lease table (instance, legacy-instance): renewals per lease per second on the answering node; null when unknown.',
      ),
      services: arr(
        arr({ type: ['array', 'null'], items: { type: 'integer' } }),
        false,
        'Beside services[i].instances[j]: [order stamp of the registration, ms since the last renewal], or null for an instance unregistered and not removed yet.',
      ),
      tombstones: arr(
        obj('A finished unregistration.', { instance: ref('Instance'), stamp: int('int64', 'Order stamp of the unregistration: registrations stamped up to it are over.') }, ['instance', 'stamp']),
      ),
    },
    ['renewalRates', 'services', 'tombstones'],
  );
  const properties = { leaseState, ...(response['properties'] as Json) };
  return { ...response, properties };
}

export function messageSchemas(): Json {
  return { ...registryMessages(), ...discoveryMessages(), ...replicationAndClusterMessages() };
}
