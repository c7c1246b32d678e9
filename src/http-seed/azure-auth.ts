/**
 * Azure Blob Storage, the pure part: when a URL goes through the Azure client, which credentials
 * it uses, and which strings are secrets to keep out of messages.
 *
 * Auth order (the first that applies wins): a SAS token in the URL (`sig=`);
 * `AZURE_STORAGE_CONNECTION_STRING` (its account key, or its `SharedAccessSignature`);
 * `AZURE_STORAGE_ACCOUNT` + `AZURE_STORAGE_KEY`; anonymous (a public container).
 *
 * Pure: no I/O. The CLI reads the environment and passes it in. Not responsible for signing
 * requests (the SDK does) nor for checking that a key is right (the service answers 403).
 */
import { UsageError } from '../errors.js';
import type { OriginKind } from './origin-client.js';

/** The `origin-type` setting: force a client, or choose from the URL's host. */
export type OriginType = OriginKind | 'auto';

/** Every value `origin-type` accepts. */
export const ORIGIN_TYPES: readonly OriginType[] = ['auto', 'http', 'azure'];

/** The Azure variables of the environment; empty strings count as unset. */
export interface AzureEnv {
  readonly connectionString?: string | undefined;
  readonly account?: string | undefined;
  readonly key?: string | undefined;
}

/** How the Azure client authenticates. */
export type AzureAuth =
  | { readonly kind: 'sas-in-url' }
  | { readonly kind: 'shared-key'; readonly account: string; readonly key: string; readonly from: 'connection-string' | 'account-key' }
  | { readonly kind: 'connection-string-sas'; readonly sas: string }
  | { readonly kind: 'anonymous' };

const AZURE_BLOB_HOST_SUFFIX = '.blob.core.windows.net';

/** Whether `hostname` is an Azure public-cloud blob endpoint, `<account>.blob.core.windows.net`. */
export function isAzureBlobHost(hostname: string): boolean {
  const host = String(hostname).toLowerCase().replace(/\.$/, '');
  return host.endsWith(AZURE_BLOB_HOST_SUFFIX) && host.length > AZURE_BLOB_HOST_SUFFIX.length;
}

/**
 * The client for `url`: `origin-type` when it names one, else Azure for `*.blob.core.windows.net`
 * and plain HTTP for every other host (Azurite and sovereign clouds need `origin-type: "azure"`).
 */
export function chooseOriginKind(url: URL, originType: OriginType): OriginKind {
  if (originType === 'http' || originType === 'azure') return originType;
  if (originType !== 'auto') throw new TypeError(`chooseOriginKind: bad origin type ${JSON.stringify(originType)}`);
  return isAzureBlobHost(url.hostname) ? 'azure' : 'http';
}

/** Whether the URL carries a SAS token (a `sig` query parameter). */
export function hasSas(url: URL): boolean {
  return url.searchParams.has('sig');
}

/**
 * Parses `Key=Value;Key=Value` (values may contain `=`, as base64 keys do). Keys are matched
 * case-insensitively and returned in lower case. Returns `null` when a non-empty part has no `=`
 * or an empty key.
 */
export function parseConnectionString(text: string): Map<string, string> | null {
  const parts = new Map<string, string>();
  for (const raw of String(text).split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    parts.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return parts;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function authFromConnectionString(text: string): AzureAuth {
  const parts = parseConnectionString(text);
  // Never quote the string: it holds the key.
  const bad = 'AZURE_STORAGE_CONNECTION_STRING is not a storage connection string';
  if (parts === null) throw new UsageError(`${bad} (expected Key=Value;Key=Value...); copy it again from the storage account's Access keys`);
  const sas = nonEmpty(parts.get('sharedaccesssignature'));
  if (sas !== undefined) return { kind: 'connection-string-sas', sas: sas.replace(/^\?/, '') };
  const account = nonEmpty(parts.get('accountname'));
  const key = nonEmpty(parts.get('accountkey'));
  if (account === undefined || key === undefined) {
    throw new UsageError(`${bad} with AccountName and AccountKey, or SharedAccessSignature; copy it again from the storage account's Access keys`);
  }
  return { kind: 'shared-key', account, key, from: 'connection-string' };
}

/**
 * The credentials for `url`, in the documented order. Throws {@link UsageError} for a connection
 * string that cannot be read, and for `AZURE_STORAGE_ACCOUNT` or `AZURE_STORAGE_KEY` set alone.
 */
export function chooseAzureAuth(url: URL, env: AzureEnv): AzureAuth {
  if (hasSas(url)) return { kind: 'sas-in-url' };
  const connectionString = nonEmpty(env.connectionString);
  if (connectionString !== undefined) return authFromConnectionString(connectionString);
  const account = nonEmpty(env.account);
  const key = nonEmpty(env.key);
  if (account !== undefined && key !== undefined) return { kind: 'shared-key', account, key, from: 'account-key' };
  if (account !== undefined || key !== undefined) {
    throw new UsageError(`${account === undefined ? 'AZURE_STORAGE_KEY is set without AZURE_STORAGE_ACCOUNT' : 'AZURE_STORAGE_ACCOUNT is set without AZURE_STORAGE_KEY'}; set both, or neither for a public container`);
  }
  return { kind: 'anonymous' };
}

/** Names the credentials in a message (never their value). */
export function describeAzureAuth(auth: AzureAuth): string {
  switch (auth.kind) {
    case 'sas-in-url': return 'the SAS token in the URL';
    case 'shared-key': return auth.from === 'connection-string' ? 'the key of AZURE_STORAGE_CONNECTION_STRING' : `AZURE_STORAGE_ACCOUNT ${auth.account} and AZURE_STORAGE_KEY`;
    case 'connection-string-sas': return 'the SAS of AZURE_STORAGE_CONNECTION_STRING';
    case 'anonymous': return 'no credentials (public access)';
  }
}

/** The strings that must never appear in a message: the key, the SAS and its signature. */
export function azureSecrets(url: URL, auth: AzureAuth, env: AzureEnv): string[] {
  const secrets: string[] = [];
  const sig = url.searchParams.get('sig');
  if (sig !== null) secrets.push(sig, url.search.slice(1));
  if (auth.kind === 'shared-key') secrets.push(auth.key);
  if (auth.kind === 'connection-string-sas') secrets.push(auth.sas, new URLSearchParams(auth.sas).get('sig') ?? '');
  for (const value of [env.connectionString, env.key]) if (value !== undefined && value.trim() !== '') secrets.push(value.trim());
  return secrets.filter((secret) => secret !== '');
}
