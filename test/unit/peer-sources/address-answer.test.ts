import { describe, it, expect } from 'vitest';
import { candidatesFromAnswers, errorCode, RepeatGuard } from '../../../src/peer-sources/address-answer.js';

describe('candidatesFromAnswers', () => {
  it('keeps dialable literals once each, in order, with the port', () => {
    const answer = candidatesFromAnswers([['10.0.0.2', '0.0.0.0', '10.0.0.2'], ['::1', 7, 'ff02::1']], 41771, 10);
    expect(answer.candidates).toEqual([
      { address: '10.0.0.2', port: 41771, swarmId: null, peerId: null },
      { address: '::1', port: 41771, swarmId: null, peerId: null },
    ]);
    expect(answer).toMatchObject({ droppedCount: 3, droppedSamples: ['0.0.0.0', 'ff02::1'], overCap: false, malformed: false });
  });

  it('reads at most maxAddresses entries over all the answers', () => {
    const answer = candidatesFromAnswers([['10.0.0.1', '10.0.0.2'], ['::1', '::2']], 1, 3);
    expect(answer.candidates.map((candidate) => candidate.address)).toEqual(['10.0.0.1', '10.0.0.2', '::1']);
    expect(answer.overCap).toBe(true);
    expect(candidatesFromAnswers([['10.0.0.1'], []], 1, 1).overCap).toBe(false);
  });

  it('notes an answer that is not a list, and caps the samples it keeps', () => {
    const long = 'x'.repeat(1000);
    const answer = candidatesFromAnswers([null, 'text', [long, 'a', 'b', 'c']], 1, 10);
    expect(answer.malformed).toBe(true);
    expect(answer.droppedCount).toBe(4);
    expect(answer.droppedSamples).toEqual(['x'.repeat(64), 'a', 'b']);
  });

  it('throws a TypeError for a bad port or cap', () => {
    expect(() => candidatesFromAnswers([], 0, 1)).toThrow(TypeError);
    expect(() => candidatesFromAnswers([], 1, 0)).toThrow(TypeError);
  });
});

describe('errorCode', () => {
  it.each([
    [Object.assign(new Error('x'), { code: 'ETIMEOUT' }), 'ETIMEOUT'],
    [Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), 'EAI_AGAIN'],
    [Object.assign(new Error('x'), { code: 'evil\nline' }), 'unknown error'],
    [Object.assign(new Error('x'), { code: 'E'.repeat(40) }), 'unknown error'],
    [new Error('no code'), 'unknown error'],
    ['a string', 'unknown error'],
    [null, 'unknown error'],
  ])('%s: %s', (error, code) => {
    expect(errorCode(error)).toBe(code);
  });
});

describe('RepeatGuard', () => {
  it('is new once per condition, again when it changes or after clear', () => {
    const guard = new RepeatGuard();
    expect([guard.isNew('a', 'x'), guard.isNew('a', 'x'), guard.isNew('b', 'x'), guard.isNew('a', 'y'), guard.isNew('a', 'y')])
      .toEqual([true, false, true, true, false]);
    guard.clear('a');
    expect(guard.isNew('a', 'y')).toBe(true);
  });
});
