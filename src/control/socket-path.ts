/**
 * Where the control socket of `swarm-server` lives, so that `swarm` finds it without being told.
 *
 * Pure: the environment, whether we run as root, and the storage directory are passed in.
 */
import { posix } from 'node:path';

/** What the default depends on. */
export interface SocketPathInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isRoot: boolean;
  /** The configured storage directory, absolute. */
  readonly storageDirectory: string;
}

/**
 * The control socket: `SWARM_CONTROL_SOCKET` when set; as root `/run/swarm/control.sock`; else
 * `$XDG_RUNTIME_DIR/swarm/control.sock` when `XDG_RUNTIME_DIR` is absolute; else
 * `<storage-directory>/control.sock`.
 */
export function defaultControlSocket(inputs: SocketPathInputs): string {
  const explicit = inputs.env['SWARM_CONTROL_SOCKET'];
  if (explicit !== undefined && explicit !== '') return explicit;
  if (inputs.isRoot) return '/run/swarm/control.sock';
  const runtime = inputs.env['XDG_RUNTIME_DIR'];
  if (runtime !== undefined && posix.isAbsolute(runtime)) return posix.join(runtime, 'swarm', 'control.sock');
  return posix.join(inputs.storageDirectory, 'control.sock');
}
