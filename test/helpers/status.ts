
/** Texts shared by the status endpoint tests. */
export const SUCCESS_STATUS = { errorCode: 'success', message: '', status: 'success' };
export const SUCCESS_STATUS_TEXT = '"responseStatus":{"errorCode":"success","message":"","status":"success"}';
export const RATE_LIMITED_STATUS_TEXT = '"responseStatus":{"errorCode":"rate-limited","message":"Request is rate limited.","status":"fail"}';
export const LEASES_KEYS = [
  'isSafe',
  'isSafeCheckEnabled',
  'leaseCount',
  'leaseUpdateCountLastTimeWindow',
  'leaseUpdateMaxCount',
  'leaseUpdateMaxCountLastUpdateTime',
  'leases',
  'responseStatus',
];

export function nodeStatusText(url: string, allowRegistry = true, allowDiscovery = true): string {
  return (
    `{"allowDiscoveryFromOtherZone":${allowDiscovery},"allowRegistryFromOtherZone":${allowRegistry},` +
    `"canServiceDiscovery":true,"canServiceRegistry":true,` +
    `"node":{"url":"${url}","zone":{"metadata":null,"regionId":"SHA","zoneId":"sha-z1"}},"status":"up"}`
  );
}
