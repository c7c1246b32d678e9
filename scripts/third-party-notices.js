// The licence notices of the npm packages bundled into the programs (esbuild drops their
// comments, `legalComments: 'none'`), as one text file to ship beside them: each package's name,
// version, licence and its LICENSE (or LICENCE, COPYING) file. Read from node_modules.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The package folders (`.../node_modules/<name>`) that esbuild input paths come from. */
export function bundledPackageDirs(inputPaths, root) {
  const dirs = new Set();
  for (const input of inputPaths) {
    // A plugin's namespace prefixes its inputs: 'slim-undici:/.../node_modules/undici/...'.
    const path = input.replace(/^[\w-]+:(?=\/)/, '');
    const matches = [...path.matchAll(/node_modules\/(?:@[^/]+\/)?[^/]+\//g)];
    const last = matches.at(-1);
    if (last !== undefined) dirs.add(resolve(root, path.slice(0, last.index + last[0].length - 1)));
  }
  return [...dirs].sort();
}

/** The notices text for `packageDirs`; an Error names a package with neither a licence file nor field. */
export function thirdPartyNotices(packageDirs) {
  const parts = ['Third-party software bundled into swarm-download, swarm-server and swarm, with its licence notices.\n'];
  for (const dir of packageDirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const files = readdirSync(dir).filter((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name)).sort();
    if (files.length === 0 && typeof pkg.license !== 'string') throw new Error(`${dir}: no licence file and no "license" field`);
    const texts = files.map((name) => readFileSync(join(dir, name), 'utf8').trim());
    parts.push(`${'='.repeat(78)}\n${pkg.name} ${pkg.version} (${pkg.license ?? 'see below'})\n\n${texts.join('\n\n') || `Licensed under ${pkg.license}; the package ships no licence file.`}\n`);
  }
  return parts.join('\n');
}

/** Node.js's LICENSE beside the running node (Debian/NodeSource or official tarball layout), or null. */
export function nodeLicenseFile(execPath) {
  const candidates = ['../share/doc/nodejs/LICENSE', '../share/doc/node/LICENSE', '../LICENSE'].map((rel) => resolve(execPath, '..', rel));
  return candidates.find((file) => existsSync(file)) ?? null;
}
