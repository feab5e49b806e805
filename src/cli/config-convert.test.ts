import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/load.js';
import { conversionYaml, convertProperties, nodesByZone } from './config-convert.js';

describe('config convert: Java cluster node lists', () => {
  it('keeps a node URL given without a zone whole', () => {
    const result = convertProperties('artemis.service.cluster.nodes=http://127.0.0.1:8080/artemis-service/\n');
    expect(result.values).toEqual({ cluster: { peers: ['http://127.0.0.1:8080/artemis-service/'], keyFile: 'cluster.key' } });
    expect(result.peerZones).toEqual([{ zoneId: null, urls: ['http://127.0.0.1:8080/artemis-service/'] }]);
    expect(loadConfig({ file: { path: 'x.yaml', values: result.values } }).config.cluster.peers).toEqual(['http://127.0.0.1:8080/artemis-service/']);
  });

  it('maps zone:url,url;zone:url to its zones, in order, URLs intact', () => {
    expect(nodesByZone(' sha-z1:http://10.0.0.5:8080/a/, https://10.0.0.6:8443 ;sha-z2:http://10.0.1.5:8080;;sha-z1:http://10.0.0.7:8080')).toEqual([
      { zoneId: 'sha-z1', urls: ['http://10.0.0.5:8080/a/', 'https://10.0.0.6:8443', 'http://10.0.0.7:8080'] },
      { zoneId: 'sha-z2', urls: ['http://10.0.1.5:8080'] },
    ]);
    expect(nodesByZone('http://a:1;z9:http://b:2')).toEqual([{ zoneId: null, urls: ['http://a:1'] }, { zoneId: 'z9', urls: ['http://b:2'] }]);
  });

  it('writes the zones above cluster.peers in the YAML, which still loads as the same values', () => {
    const result = convertProperties('artemis.service.cluster.nodes=sha-z1:http://10.0.0.5:8080/artemis-service/;sha-z2:http://10.0.1.5:8080/artemis-service/\n');
    const yaml = conversionYaml(result);
    expect(yaml).toContain('# sha-z1: http://10.0.0.5:8080/artemis-service/\n');
    expect(yaml).toContain('# sha-z2: http://10.0.1.5:8080/artemis-service/\n');
    expect(parse(yaml)).toEqual(result.values);
    expect(result.values).toEqual({ cluster: { peers: ['http://10.0.0.5:8080/artemis-service/', 'http://10.0.1.5:8080/artemis-service/'], keyFile: 'cluster.key' } });
  });
});
