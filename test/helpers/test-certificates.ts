/**
 * TLS certificates for tests, made at run time with the `openssl` command: a CA, leaves it
 * signed for `localhost` (valid now, expired in 2020, valid only from 2099), and a self-signed
 * leaf. `openssl ca` sets the dates (`-startdate`/`-enddate`), so no faked clock is needed.
 *
 * Not responsible for serving them (see `startOrigin`'s `tls`) or for cleaning up: the files go
 * in the directory given. Keys are P-256, quick to make. Test-only; never trust these elsewhere.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether an `openssl` command is on this machine's usual paths. */
export const haveOpenssl = ['/usr/bin/openssl', '/bin/openssl', '/usr/local/bin/openssl'].some((path) => existsSync(path));

/** A key and certificate in PEM, and where the certificate is on disk (for NODE_EXTRA_CA_CERTS). */
export interface TestCertificate {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly certPath: string;
}

/** What {@link makeTestCertificates} makes. */
export interface TestCertificates {
  /** The CA that signs the `localhost` leaves. */
  readonly ca: TestCertificate;
  /** For `localhost` (DNS name only), signed by `ca`, valid now. */
  readonly localhost: TestCertificate;
  /** For `localhost`, signed by `ca`, valid 2020-01-01 to 2020-01-02 only. */
  readonly expired: TestCertificate;
  /** For `localhost`, signed by `ca`, valid from 2099 only. */
  readonly notYetValid: TestCertificate;
  /** For `localhost` and 127.0.0.1, self-signed. */
  readonly selfSigned: TestCertificate;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A minimal `openssl ca` setup: copies the request's subjectAltName, keeps no policy. */
const CA_CONFIG = `[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
[any_name]
commonName = supplied
`;

async function load(dir: string, name: string): Promise<TestCertificate> {
  const certPath = join(dir, `${name}.pem`);
  return { key: await readFile(join(dir, `${name}.key`)), cert: await readFile(certPath), certPath };
}

/** A `localhost` leaf signed by the CA in `dir`, with `dates` as `openssl ca` takes them. */
async function signedLeaf(dir: string, name: string, dates: readonly string[]): Promise<TestCertificate> {
  await run('openssl', ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost'], { cwd: dir });
  await run('openssl', ['ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key',
    '-in', `${name}.csr`, '-out', `${name}.pem`, ...dates], { cwd: dir });
  return load(dir, name);
}

/** Makes every certificate of {@link TestCertificates} in `dir` (an existing, empty directory). */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(join(dir, 'issued'));
  await Promise.all([writeFile(join(dir, 'ca.cnf'), CA_CONFIG), writeFile(join(dir, 'index.txt'), ''), writeFile(join(dir, 'serial'), '01\n')]);
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=swarm test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { cwd: dir });
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: dir });
  // One after another: `openssl ca` updates its serial and index files.
  const localhost = await signedLeaf(dir, 'localhost', ['-days', '2']);
  const expired = await signedLeaf(dir, 'expired', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  const notYetValid = await signedLeaf(dir, 'future', ['-startdate', '20990101000000Z', '-enddate', '20991231000000Z']);
  return { ca: await load(dir, 'ca'), localhost, expired, notYetValid, selfSigned: await load(dir, 'self') };
}
