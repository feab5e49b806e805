import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate authority in a temporary directory, made with the openssl CLI. */
export interface TestCa {
  dir: string;
  /** The CA certificate (PEM file). */
  caFile: string;
  /** Issues a certificate for 127.0.0.1 and localhost (server and client use); returns its files. */
  issue(name: string): { certFile: string; keyFile: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a fresh CA (RSA 2048, valid one day). */
export function testCa(name = 'artemis-test-ca'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'artemis-tls-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', `/CN=${name}`], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    issue(cert: string) {
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${cert}.key`, '-out', `${cert}.csr`, '-subj', `/CN=${cert}`], dir);
      openssl(['x509', '-req', '-in', `${cert}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${cert}.crt`, '-days', '1', '-extfile', 'ext.cnf'], dir);
      return { certFile: join(dir, `${cert}.crt`), keyFile: join(dir, `${cert}.key`) };
    },
  };
}
