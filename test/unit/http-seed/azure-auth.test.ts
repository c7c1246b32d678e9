import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import {
  azureSecrets, chooseAzureAuth, chooseOriginKind, describeAzureAuth, hasSas, isAzureBlobHost, parseConnectionString,
  type AzureAuth, type AzureEnv,
} from '../../../src/http-seed/azure-auth.js';

const BLOB = new URL('https://acct.blob.core.windows.net/isos/ubuntu.iso');
const SAS_BLOB = new URL('https://acct.blob.core.windows.net/isos/ubuntu.iso?sv=2024-08-04&sr=b&sp=r&se=2030-01-01&sig=abc%2Bdef%3D');
const KEY = 'a2V5LWtleS1rZXkta2V5LWtleS1rZXkta2V5LWtleQ==';
const CONNECTION = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`;

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('isAzureBlobHost and chooseOriginKind', () => {
  it.each<[string, boolean]>([
    ['acct.blob.core.windows.net', true],
    ['ACCT.Blob.Core.Windows.Net', true],
    ['acct.blob.core.windows.net.', true],
    ['blob.core.windows.net', false],
    ['.blob.core.windows.net', false],
    ['acct.blob.core.windows.net.evil.test', false],
    ['acct.blob.core.chinacloudapi.cn', false],
    ['127.0.0.1', false],
    ['s3.amazonaws.com', false],
  ])('%s is an Azure blob host: %s', (host, expected) => {
    expect(isAzureBlobHost(host)).toBe(expected);
  });

  it('auto picks Azure for *.blob.core.windows.net and HTTP elsewhere', () => {
    expect(chooseOriginKind(BLOB, 'auto')).toBe('azure');
    expect(chooseOriginKind(new URL('http://127.0.0.1:10000/devstoreaccount1/c/b'), 'auto')).toBe('http');
  });

  it('a forced type wins over the host', () => {
    expect(chooseOriginKind(BLOB, 'http')).toBe('http');
    expect(chooseOriginKind(new URL('http://127.0.0.1:10000/devstoreaccount1/c/b'), 'azure')).toBe('azure');
  });

  it('throws TypeError quoting an unknown type', () => {
    expect(() => chooseOriginKind(BLOB, 's3' as never)).toThrow('"s3"');
  });
});

describe('parseConnectionString', () => {
  it('reads keys case-insensitively and keeps "=" inside values', () => {
    const parts = parseConnectionString(CONNECTION);
    expect(parts?.get('accountname')).toBe('acct');
    expect(parts?.get('accountkey')).toBe(KEY);
    expect(parts?.get('endpointsuffix')).toBe('core.windows.net');
  });

  it('skips empty parts (a trailing ";")', () => {
    expect([...(parseConnectionString('A=1;;B=2;') ?? [])]).toEqual([['a', '1'], ['b', '2']]);
  });

  it.each(['AccountName', 'A=1;B', '=value', 'A=1; =2'])('returns null for %j', (text) => {
    expect(parseConnectionString(text)).toBeNull();
  });
});

describe('chooseAzureAuth: SAS in URL, connection string, account + key, anonymous', () => {
  const ALL: AzureEnv = { connectionString: CONNECTION, account: 'other', key: KEY };

  it('a SAS in the URL wins over everything', () => {
    expect(hasSas(SAS_BLOB)).toBe(true);
    expect(chooseAzureAuth(SAS_BLOB, ALL)).toEqual({ kind: 'sas-in-url' });
  });

  it('then the connection string', () => {
    expect(chooseAzureAuth(BLOB, ALL)).toEqual({ kind: 'shared-key', account: 'acct', key: KEY, from: 'connection-string' });
  });

  it('a connection string with a SharedAccessSignature gives that SAS', () => {
    const env = { connectionString: 'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=?sv=1&sig=xyz' };
    expect(chooseAzureAuth(BLOB, env)).toEqual({ kind: 'connection-string-sas', sas: 'sv=1&sig=xyz' });
  });

  it('then AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY', () => {
    expect(chooseAzureAuth(BLOB, { account: 'acct', key: KEY })).toEqual({ kind: 'shared-key', account: 'acct', key: KEY, from: 'account-key' });
  });

  it('then anonymous; empty and blank variables count as unset', () => {
    expect(chooseAzureAuth(BLOB, {})).toEqual({ kind: 'anonymous' });
    expect(chooseAzureAuth(BLOB, { connectionString: ' ', account: '', key: '' })).toEqual({ kind: 'anonymous' });
  });

  it('a sig-less query string is not a SAS', () => {
    const url = new URL('https://acct.blob.core.windows.net/c/b?snapshot=2024');
    expect(hasSas(url)).toBe(false);
    expect(chooseAzureAuth(url, {})).toEqual({ kind: 'anonymous' });
  });

  it.each<[string, AzureEnv, string]>([
    ['account alone', { account: 'acct' }, 'AZURE_STORAGE_ACCOUNT is set without AZURE_STORAGE_KEY; set both, or neither for a public container'],
    ['key alone', { key: KEY }, 'AZURE_STORAGE_KEY is set without AZURE_STORAGE_ACCOUNT; set both, or neither for a public container'],
  ])('%s is a usage error', (_name, env, message) => {
    expect(usageMessage(() => chooseAzureAuth(BLOB, env))).toBe(message);
  });

  it.each(['AccountName=acct', `AccountKey=${KEY}`, 'garbage', 'AccountName=acct;AccountKey='])(
    'an unreadable connection string %j is a usage error that does not quote it', (text) => {
      const message = usageMessage(() => chooseAzureAuth(BLOB, { connectionString: text }));
      expect(message).toContain('AZURE_STORAGE_CONNECTION_STRING is not a storage connection string');
      expect(message).not.toContain(KEY);
      expect(message).not.toContain('garbage');
    });
});

describe('describeAzureAuth and azureSecrets', () => {
  const cases: [AzureAuth, string][] = [
    [{ kind: 'sas-in-url' }, 'the SAS token in the URL'],
    [{ kind: 'shared-key', account: 'acct', key: KEY, from: 'connection-string' }, 'the key of AZURE_STORAGE_CONNECTION_STRING'],
    [{ kind: 'shared-key', account: 'acct', key: KEY, from: 'account-key' }, 'AZURE_STORAGE_ACCOUNT acct and AZURE_STORAGE_KEY'],
    [{ kind: 'connection-string-sas', sas: 'sv=1&sig=xyz' }, 'the SAS of AZURE_STORAGE_CONNECTION_STRING'],
    [{ kind: 'anonymous' }, 'no credentials (public access)'],
  ];

  it.each(cases)('names %j without its secret', (auth, text) => {
    expect(describeAzureAuth(auth)).toBe(text);
    expect(describeAzureAuth(auth)).not.toContain(KEY);
  });

  it('lists the signature, the SAS, the key and the connection string', () => {
    const auth = chooseAzureAuth(SAS_BLOB, {});
    expect(azureSecrets(SAS_BLOB, auth, { connectionString: CONNECTION, key: KEY })).toEqual([
      'abc+def=', SAS_BLOB.search.slice(1), CONNECTION, KEY,
    ]);
    const shared = chooseAzureAuth(BLOB, { account: 'acct', key: KEY });
    expect(azureSecrets(BLOB, shared, { account: 'acct', key: KEY })).toEqual([KEY, KEY]);
    const sas: AzureAuth = { kind: 'connection-string-sas', sas: 'sv=1&sig=xyz' };
    expect(azureSecrets(BLOB, sas, {})).toEqual(['sv=1&sig=xyz', 'xyz']);
  });
});
