import { describe, expect, it } from 'vitest';
import { errorFromNetwork, errorFromResponse } from './errors.js';
import { resolveSettings } from './settings.js';

describe('errors', () => {
  it("takes the message and code of the contract's JSON error, with a hint by status", () => {
    const error = errorFromResponse(401, '{"error":{"code":"unauthorized","message":"invalid token"}}', 'GET /me');
    expect(error.toDoc()).toEqual({ message: 'GET /me: invalid token', status: 401, code: 'unauthorized', hint: expect.stringContaining('AIRLOCK_TOKEN') });
    expect(errorFromResponse(415, 'Unsupported Media Type\n', 'PATCH /uploads/x').toDoc()).toMatchObject({
      message: 'PATCH /uploads/x: Unsupported Media Type',
      code: null,
      hint: expect.stringContaining('ALLOWED_TYPES'),
    });
  });

  it('names the network failure fetch hides in its cause', () => {
    const error = errorFromNetwork(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'http://127.0.0.1:9');
    expect(error.message).toBe('cannot reach http://127.0.0.1:9: ECONNREFUSED');
    expect(error.hint).toContain('AIRLOCK_URL');
  });
});

describe('settings', () => {
  it('prefers flags over the environment, and knows where the resume state lives', () => {
    const env = { AIRLOCK_URL: 'http://api:8080/', AIRLOCK_TOKEN: 't-env', HOME: '/home/op', XDG_CONFIG_HOME: '' };
    expect(resolveSettings({}, env, true)).toMatchObject({ url: 'http://api:8080', token: 't-env', json: false, bars: true });
    expect(resolveSettings({ url: 'https://x.example', token: 't-flag', json: true }, env, true)).toMatchObject({
      url: 'https://x.example',
      token: 't-flag',
      bars: false,
    });
    expect(resolveSettings({}, { AIRLOCK_STATE_DIR: '/tmp/s' }, false)).toMatchObject({ url: 'http://127.0.0.1:8080', stateDir: '/tmp/s', bars: false });
    expect(() => resolveSettings({ url: 'ftp://x' }, {}, false)).toThrow('not an http(s) URL');
  });
});
