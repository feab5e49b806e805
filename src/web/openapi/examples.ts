/** Example values shown in the OpenAPI document. */

type Json = Record<string, unknown>;

export function exampleInstance(ip: string): Json {
  return {
    groupId: null,
    healthCheckUrl: null,
    instanceId: `${ip}:8080`,
    ip,
    machineName: null,
    metadata: null,
    port: 8080,
    protocol: 'http',
    regionId: 'SHA',
    serviceId: 'demo.order',
    status: 'up',
    url: `http://${ip}:8080/order`,
    zoneId: 'sha-z1',
  };
}

export function exampleDiscoveryConfig(serviceId: string): Json {
  return { discoveryData: null, regionId: null, serviceId, zoneId: null };
}

export const REGISTRY_REQUEST_EXAMPLE: Json = { instances: [exampleInstance('10.1.2.3')] };

export const LOOKUP_REQUEST_EXAMPLE: Json = {
  discoveryConfigs: [exampleDiscoveryConfig('demo.order'), exampleDiscoveryConfig('demo.missing')],
  regionId: 'SHA',
  zoneId: 'sha-z1',
};

export const GET_SERVICE_REQUEST_EXAMPLE: Json = { discoveryConfig: exampleDiscoveryConfig('demo.order'), regionId: 'SHA', zoneId: 'sha-z1' };
