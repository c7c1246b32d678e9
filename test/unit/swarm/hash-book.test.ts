import { describe, expect, it } from 'vitest';
import { HashBook, MAX_CLAIMS_PER_PIECE } from '../../../src/swarm/hash-book.js';

const d = (byte: number): Buffer => Buffer.alloc(16, byte);

describe('HashBook', () => {
  it('starts with every piece unusable and no expected digest', () => {
    const book = new HashBook(3);
    expect(book.unusable.count()).toBe(3);
    expect(book.expected(0)).toBeNull();
  });

  it('takes the first announced digest; the same digest from others keeps it', () => {
    const book = new HashBook(3);
    expect(book.claim(1, d(1), 'a')).toBe('ok');
    expect(book.claim(1, d(1), 'b')).toBe('ok');
    expect(book.expected(1)).toEqual(d(1));
    expect(book.unusable.has(1)).toBe(false);
  });

  it('disputes a piece two peers announce different digests for: no peer copy is checkable', () => {
    const book = new HashBook(3);
    book.claim(2, d(1), 'a');
    expect(book.claim(2, d(2), 'b')).toBe('disputed');
    expect(book.isDisputed(2)).toBe(true);
    expect(book.expected(2)).toBeNull();
    expect(book.unusable.has(2)).toBe(true);
    expect(book.claim(2, d(1), 'c')).toBe('disputed');
  });

  it('settles a dispute with the origin digest and names the peers that announced another', () => {
    const book = new HashBook(3);
    book.claim(0, d(1), 'a');
    book.claim(0, d(2), 'b');
    book.claim(0, d(2), 'c');
    expect(book.setOrigin(0, d(1)).sort()).toEqual(['b', 'c']);
    expect(book.expected(0)).toEqual(d(1));
    expect(book.isDisputed(0)).toBe(false);
  });

  it('calls a peer that contradicts an origin digest a liar', () => {
    const book = new HashBook(1);
    book.setOrigin(0, d(7));
    expect(book.claim(0, d(7), 'a')).toBe('ok');
    expect(book.claim(0, d(8), 'b')).toBe('liar');
    expect(book.expected(0)).toEqual(d(7));
  });

  it('remembers at most MAX_CLAIMS_PER_PIECE digests per piece', () => {
    const book = new HashBook(1);
    for (let i = 0; i < MAX_CLAIMS_PER_PIECE + 5; i++) book.claim(0, d(i + 1), `p${i}`);
    expect(book.setOrigin(0, d(100))).toHaveLength(MAX_CLAIMS_PER_PIECE);
  });

  it('copies digests: mutating the caller buffer changes nothing', () => {
    const book = new HashBook(1);
    const digest = d(3);
    book.claim(0, digest, 'a');
    digest.fill(9);
    expect(book.expected(0)).toEqual(d(3));
  });

  it('throws a TypeError for a piece out of range', () => {
    const book = new HashBook(2);
    expect(() => book.claim(2, d(1), 'a')).toThrow(TypeError);
    expect(() => book.setOrigin(-1, d(1))).toThrow(/got -1/);
  });
});
