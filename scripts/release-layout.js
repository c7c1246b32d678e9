// What goes into the release artifacts (scripts/build-release.js), as pure functions of the
// package's name, version and platform: file names, the Debian control files, the systemd unit
// for /usr/bin. No I/O here, so the layout is testable without building a 100 MB executable.

/** The one executable a release ships (scripts/build-sea.js), and its links: one per other program. */
export const RELEASE_EXECUTABLE = 'swarm';
export const RELEASE_LINKS = ['swarm-download', 'swarm-server'];

/** The Debian package's name: `swarm` in Debian is an unrelated program (a clustering tool). */
export const DEB_NAME = 'swarm-cache';

/** Node's CPU architecture names -> Debian's. */
const DEB_ARCH = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x' };

/** The Debian architecture for a Node `process.arch`; a TypeError for one Debian has no name for. */
export function debArch(nodeArch) {
  const arch = DEB_ARCH[nodeArch];
  if (arch === undefined) throw new TypeError(`no Debian architecture for Node arch ${JSON.stringify(nodeArch)}`);
  return arch;
}

/** The tarball's base name (also its top folder), e.g. `swarm-0.1.0-linux-x64`. */
export function tarballBase(version, platform, arch) {
  return `swarm-${version}-${platform}-${arch}`;
}

/** The .deb's file name in Debian's convention, e.g. `swarm-cache_0.1.0_amd64.deb`. */
export function debFileName(version, nodeArch) {
  return `${DEB_NAME}_${version}_${debArch(nodeArch)}.deb`;
}

/** A checksum file's text, in the format `sha256sum -c` reads: `<hex>  <name>\n`. */
export function sha256Line(hex, fileName) {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`not a SHA-256 hex digest: ${JSON.stringify(hex)}`);
  return `${hex}  ${fileName}\n`;
}

/**
 * The systemd unit as the .deb installs it, from contrib/swarm-server.service: the program at
 * /usr/bin rather than found on PATH, and no "cp" install hint (the package installs it).
 */
export function debUnit(contribUnit) {
  const execStart = 'ExecStart=/usr/bin/env swarm-server ';
  if (!contribUnit.includes(execStart)) throw new TypeError(`the unit has no line starting ${JSON.stringify(execStart)}`);
  return contribUnit
    .replace(execStart, 'ExecStart=/usr/bin/swarm-server ')
    .replace(/^# Install: .*\n# \(the swarm-cache .deb installs this unit itself\)\./m, '# Installed by the swarm-cache package, enabled and started on install where systemd runs.\n#');
}

/**
 * DEBIAN/control. The executables carry their own Node (a Node single executable), so the
 * package needs only the C and C++ runtime a Node binary links against, never Debian's nodejs.
 * `installedKiB` is the unpacked size; `maintainer` is "Name <email>". Conflicts with Debian's `swarm`, which also has /usr/bin/swarm.
 */
export function debControl({ version, nodeArch, installedKiB, description, maintainer }) {
  return [
    `Package: ${DEB_NAME}`,
    `Version: ${version}`,
    `Architecture: ${debArch(nodeArch)}`,
    `Maintainer: ${maintainer}`,
    `Installed-Size: ${installedKiB}`,
    'Depends: libc6 (>= 2.28), libgcc-s1 | libgcc1, libstdc++6 (>= 5.2)',
    'Conflicts: swarm',
    'Section: net',
    'Priority: optional',
    `Description: ${description}`,
    ' swarm-download fetches a file from one HTTP origin and its LAN peers at once,',
    ' verifying every piece; swarm-server keeps a bounded cache of the files the fleet',
    ' needs and seeds them; swarm drives the daemon. The executables carry their own',
    ' Node.js runtime.',
    '',
  ].join('\n');
}

/** DEBIAN/conffiles: dpkg keeps an operator's edits to these on upgrade. */
export const DEB_CONFFILES = '/etc/swarm/config.json\n';

/** Maintainer scripts: enable and (re)start the daemon where systemd runs; stop it on removal. */
export const DEB_SCRIPTS = {
  postinst: `#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable swarm-server.service
  systemctl restart swarm-server.service
fi
`,
  prerm: `#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable --now swarm-server.service || true
fi
`,
  postrm: `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
`,
};
