import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MissingSecretError, mintHs256Token, resolveHsSecret } from './index.js';

describe('the HS256 secret and minted tokens', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-auth-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('generates the dev secret once; a reader gets the same one and never creates it', () => {
    expect(() => resolveHsSecret({ jwtSecret: undefined, dataDir }, { create: false })).toThrow(MissingSecretError);
    expect(fs.existsSync(path.join(dataDir, 'secrets'))).toBe(false);
    const created = resolveHsSecret({ jwtSecret: undefined, dataDir });
    expect(created.generated).toBe(true);
    expect(resolveHsSecret({ jwtSecret: undefined, dataDir }, { create: false })).toEqual(created);
    expect(resolveHsSecret({ jwtSecret: 'c'.repeat(32), dataDir })).toEqual({ value: 'c'.repeat(32), generated: false });
  });

  it('mints a token with sub, role, issuer, audience and expiry', async () => {
    const secret = 's'.repeat(32);
    const token = await mintHs256Token(secret, 'alice', { admin: true, expiresIn: '1h', issuer: 'iss', audience: 'aud' });
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), { issuer: 'iss', audience: 'aud' });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ sub: 'alice', role: 'admin' });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });
});
