import { describe, expect, it } from 'vitest';
import { defaultControlSocket } from '../../../src/control/socket-path.js';

describe('defaultControlSocket', () => {
  const storageDirectory = '/data/swarm';
  it.each([
    [{ SWARM_CONTROL_SOCKET: '/tmp/s.sock', XDG_RUNTIME_DIR: '/run/user/1000' }, true, '/tmp/s.sock'],
    [{ XDG_RUNTIME_DIR: '/run/user/1000' }, true, '/run/swarm/control.sock'],
    [{ XDG_RUNTIME_DIR: '/run/user/1000' }, false, '/run/user/1000/swarm/control.sock'],
    [{ XDG_RUNTIME_DIR: 'relative/dir' }, false, '/data/swarm/control.sock'],
    [{ SWARM_CONTROL_SOCKET: '' }, false, '/data/swarm/control.sock'],
    [{}, false, '/data/swarm/control.sock'],
  ])('env %j root %s -> %s', (env, isRoot, expected) => {
    expect(defaultControlSocket({ env, isRoot, storageDirectory })).toBe(expected);
  });
});
