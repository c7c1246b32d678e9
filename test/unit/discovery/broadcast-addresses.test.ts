import { describe, it, expect } from 'vitest';
import { broadcastAddressOf, defaultBroadcastAddresses } from '../../../src/discovery/broadcast-addresses.js';
import type { InterfaceAddress, InterfaceTable } from '../../../src/discovery/broadcast-addresses.js';

function v4(address: string, netmask: string, prefix: number, internal = false): InterfaceAddress {
  return { address, netmask, family: 'IPv4', internal, cidr: `${address}/${prefix}` };
}

const LO = v4('127.0.0.1', '255.0.0.0', 8, true);
const LO6: InterfaceAddress = { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', internal: true, cidr: '::1/128' };
const ETH6: InterfaceAddress = { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false, cidr: 'fe80::1/64' };

describe('defaultBroadcastAddresses', () => {
  const cases: Array<[string, InterfaceTable, string[]]> = [
    ['a typical host', { lo: [LO, LO6], eth0: [v4('192.168.1.23', '255.255.255.0', 24), ETH6] }, ['192.168.1.255']],
    ['two interfaces', { eth0: [v4('10.1.2.3', '255.255.0.0', 16)], wlan0: [v4('172.16.5.9', '255.255.240.0', 20)] }, ['10.1.255.255', '172.16.15.255']],
    ['two addresses on one subnet, deduplicated', { eth0: [v4('192.168.1.2', '255.255.255.0', 24)], eth1: [v4('192.168.1.3', '255.255.255.0', 24)] }, ['192.168.1.255']],
    ['/30', { ptp: [v4('10.0.0.5', '255.255.255.252', 30)] }, ['10.0.0.7']],
    ['/31 has no broadcast', { ptp: [v4('10.0.0.4', '255.255.255.254', 31)] }, []],
    // Netmasks and computed broadcast addresses as strings (pure function): no socket, no traffic.
    ['/32 has no broadcast', { tun0: [v4('10.8.0.1', '255.255.255.255', 32)] }, []],
    ['/0', { odd: [v4('10.0.0.1', '0.0.0.0', 0)] }, ['255.255.255.255']],
    ['loopback only', { lo: [LO, LO6] }, []],
    ['IPv6 only', { eth0: [ETH6] }, []],
    ['numeric family 4 (Node 18.0-18.3)', { eth0: [{ ...v4('192.168.7.1', '255.255.255.0', 24), family: 4 }] }, ['192.168.7.255']],
    ['bad netmask, cidr used', { eth0: [{ ...v4('192.168.9.1', 'garbage', 24) }] }, ['192.168.9.255']],
    ['non-contiguous netmask, cidr used', { eth0: [v4('192.168.9.1', '255.0.255.0', 24)] }, ['192.168.9.255']],
    ['bad netmask, no cidr: skipped', { eth0: [{ ...v4('192.168.9.1', 'garbage', 24), cidr: null }] }, []],
    ['bad address: skipped', { eth0: [v4('192.168.1.256', '255.255.255.0', 24)] }, []],
    ['undefined entry', { eth0: undefined }, []],
    ['empty table', {}, []],
  ];
  it.each(cases)('%s', (_name, table, expected) => {
    expect(defaultBroadcastAddresses(table)).toEqual(expected);
  });
});

describe('broadcastAddressOf', () => {
  const table: InterfaceTable = { lo: [LO, LO6], eth0: [v4('192.168.1.23', '255.255.255.0', 24)], tun0: [v4('10.8.0.1', '255.255.255.255', 32)] };
  it.each([
    ['127.0.0.1', '127.255.255.255'],
    ['192.168.1.23', '192.168.1.255'],
    ['10.8.0.1', null],
    ['192.168.1.24', null],
    ['::1', null],
  ])('%s -> %s', (address, expected) => {
    expect(broadcastAddressOf(table, address)).toBe(expected);
  });
});
