import { describe, expect, it } from 'vitest';
import { parseScanReply, parseVersion } from './clamd-reply.js';

describe('clamd replies', () => {
  it.each([
    ['stream: OK\0', 'clean', null],
    ['stream: Eicar-Signature FOUND\0', 'infected', 'Eicar-Signature'],
    ['stream: Test.EICAR.Body.UNOFFICIAL FOUND', 'infected', 'Test.EICAR.Body.UNOFFICIAL'],
    ['stream: Heuristics.Limits.Exceeded.MaxFileSize FOUND\0', 'error', null],
    ['INSTREAM size limit exceeded. ERROR\0', 'error', null],
    ['stream: OK with trailing words', 'error', null],
    ['', 'error', null],
    ['stream: ok', 'error', null],
    ['PONG', 'error', null],
  ])('reads %j as %s', (raw, verdict, signature) => {
    expect(parseScanReply(raw)).toEqual({ verdict, signature });
  });

  it('reads engine and database versions', () => {
    expect(parseVersion('ClamAV 1.4.6/27412/Tue Oct  1 08:00:00 2024\0')).toEqual({
      engine: 'ClamAV 1.4.6',
      database: '27412',
      databaseDate: 'Tue Oct  1 08:00:00 2024',
    });
    expect(parseVersion('ClamAV 1.4.6\0')).toEqual({ engine: 'ClamAV 1.4.6', database: null, databaseDate: null });
    expect(() => parseVersion('garbage')).toThrow();
  });
});
