import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  ca: Buffer;
  /** Signed by `ca`, for 127.0.0.1 and localhost. */
  server: { cert: Buffer; key: Buffer };
  /** Signed by `ca`. */
  client: { cert: Buffer; key: Buffer };
  /** A CA of its own and a client it signed: what must be refused. */
  otherCa: Buffer;
  otherClient: { cert: Buffer; key: Buffer };
}

/** A throwaway PKI made with openssl in a temporary directory, for tests of the TLS links. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'ucloud-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ca = (name: string) =>
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    );
  const leaf = (name: string, caName: string, ext: string) => {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.crt`,
      '-extfile',
      ext,
    );
  };
  execFileSync(
    'sh',
    [
      '-c',
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > server.ext; " +
        "printf 'extendedKeyUsage=clientAuth\\n' > client.ext",
    ],
    { cwd: dir },
  );
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'server.ext');
  leaf('client', 'ca', 'client.ext');
  leaf('other-client', 'other-ca', 'client.ext');
  const read = (name: string) => readFileSync(join(dir, name));
  const pair = (name: string) => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
  return {
    dir,
    ca: read('ca.crt'),
    server: pair('server'),
    client: pair('client'),
    otherCa: read('other-ca.crt'),
    otherClient: pair('other-client'),
  };
}
