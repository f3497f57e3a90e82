import { describe, expect, it } from 'vitest';
import { originOf } from './forwarded';

const socket = { remoteAddress: '10.0.0.9', encrypted: false };

describe('originOf', () => {
  it('is the connection’s own address and scheme unless proxies are trusted, whatever the headers say', () => {
    expect(originOf(socket, { 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' }, 0)).toEqual({ address: '10.0.0.9', proto: 'http' });
    expect(originOf({ remoteAddress: undefined, encrypted: true }, {}, 0)).toEqual({ address: 'unknown', proto: 'https' });
  });

  it('behind one proxy, takes the entry that proxy appended, not what the client wrote before it', () => {
    expect(originOf(socket, { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' }, 1)).toEqual({ address: '203.0.113.7', proto: 'https' });
    expect(originOf(socket, { 'x-forwarded-for': 'forged, 6.6.6.6, 203.0.113.7', 'x-forwarded-proto': 'http, https' }, 1)).toEqual({
      address: '203.0.113.7',
      proto: 'https',
    });
    expect(originOf(socket, { 'x-forwarded-for': ['forged', '203.0.113.7'] }, 1).address).toBe('203.0.113.7');
  });

  it('behind two proxies, takes the second entry from the right; falls back to the connection without the header', () => {
    expect(originOf(socket, { 'x-forwarded-for': 'forged, 203.0.113.7, 10.0.0.2' }, 2).address).toBe('203.0.113.7');
    expect(originOf(socket, { 'x-forwarded-for': '203.0.113.7' }, 2).address).toBe('203.0.113.7');
    expect(originOf(socket, {}, 1)).toEqual({ address: '10.0.0.9', proto: 'http' });
    expect(originOf(socket, { 'x-forwarded-proto': 'gopher' }, 1).proto).toBe('http');
  });
});
