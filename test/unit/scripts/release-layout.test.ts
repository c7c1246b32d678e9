import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigText, resolveConfig } from '../../../src/config/resolve-config.js';
import { DEB_SCRIPTS, debArch, debControl, debFileName, debUnit, sha256Line, tarballBase } from '../../../scripts/release-layout.js';

const contrib = (name: string): string => readFileSync(new URL(`../../../contrib/${name}`, import.meta.url), 'utf8');

describe('the release layout', () => {
  it('names the artifacts by version, OS and architecture (Debian names for the .deb)', () => {
    expect(tarballBase('0.1.0', 'linux', 'x64')).toBe('swarm-0.1.0-linux-x64');
    expect(debFileName('0.1.0', 'x64')).toBe('swarm-cache_0.1.0_amd64.deb');
    expect(debFileName('1.2.3', 'arm64')).toBe('swarm-cache_1.2.3_arm64.deb');
    expect(() => debArch('mips')).toThrow(TypeError);
  });

  it('writes checksum lines that sha256sum -c reads, and refuses a bad digest', () => {
    expect(sha256Line('a'.repeat(64), 'x.deb')).toBe(`${'a'.repeat(64)}  x.deb\n`);
    expect(() => sha256Line('abc', 'x.deb')).toThrow(TypeError);
  });

  it('installs the unit with the program at /usr/bin, the rest as in contrib/', () => {
    const unit = debUnit(contrib('swarm-server.service'));
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/swarm-server --config \/etc\/swarm\/config.json/m);
    expect(unit).not.toContain('/usr/bin/env');
    expect(unit).not.toContain('cp contrib/');
    expect(unit.split('\n').filter((line) => !line.startsWith('#') && !line.startsWith('ExecStart='))).toEqual(
      contrib('swarm-server.service').split('\n').filter((line) => !line.startsWith('#') && !line.startsWith('ExecStart=')));
    expect(() => debUnit('[Service]\nExecStart=/bin/true\n')).toThrow(TypeError);
  });

  it('depends on the C/C++ runtime only, never nodejs, and conflicts with Debian\'s unrelated swarm', () => {
    const control = debControl({ version: '0.1.0', nodeArch: 'x64', installedKiB: 98_244, description: 'd', maintainer: 'm <m@invalid>' });
    expect(control).toMatch(/^Package: swarm-cache\nVersion: 0\.1\.0\nArchitecture: amd64\n/);
    expect(control).toContain('\nDepends: libc6 (>= 2.28), libgcc-s1 | libgcc1, libstdc++6 (>= 5.2)\n');
    expect(control).not.toMatch(/^Depends:.*node/m);
    expect(control).toContain('\nConflicts: swarm\n');
    expect(control.endsWith('\n')).toBe(true);
  });

  it('starts the daemon from postinst only where systemd runs', () => {
    expect(DEB_SCRIPTS.postinst).toContain('[ -d /run/systemd/system ]');
    expect(DEB_SCRIPTS.postinst).toContain('systemctl enable swarm-server.service');
  });

  it('ships a config.json that swarm-server accepts: known keys, valid values', () => {
    const file = parseConfigText(contrib('config.json'), '/etc/swarm/config.json');
    const config = resolveConfig({ flags: {}, env: {}, file, defaults: { storageDirectory: '/nonexistent' } });
    expect(config.storageDirectory).toBe('/var/cache/swarm');
  });
});
