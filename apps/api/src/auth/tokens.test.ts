import { mintHs256Token } from '@airlock/auth';
import { loadConfig } from '@airlock/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from './tokens.js';

const CURRENT = 'c'.repeat(40);
const PREVIOUS = 'p'.repeat(40);
const OTHER = 'o'.repeat(40);

function verifier(env: Record<string, string>) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'airlock-tokens-'));
  return createTokenVerifier(loadConfig({ DATA_DIR: dataDir, ...env }));
}

describe('JWT key rotation (AUTH_JWT_PREVIOUS_SECRET)', () => {
  it('accepts tokens of the current and the previous secret, nothing else', async () => {
    const tokens = verifier({ AUTH_JWT_SECRET: CURRENT, AUTH_JWT_PREVIOUS_SECRET: PREVIOUS });
    await expect(tokens.verify(await mintHs256Token(CURRENT, 'alice'))).resolves.toEqual({ userId: 'alice', isAdmin: false });
    await expect(tokens.verify(await mintHs256Token(PREVIOUS, 'bob', { admin: true }))).resolves.toEqual({ userId: 'bob', isAdmin: true });
    await expect(tokens.verify(await mintHs256Token(OTHER, 'mallory'))).rejects.toMatchObject({ key: 'E_UNAUTHORIZED' });
  });

  it('refuses the previous secret once it is removed from the configuration', async () => {
    const tokens = verifier({ AUTH_JWT_SECRET: CURRENT });
    await expect(tokens.verify(await mintHs256Token(PREVIOUS, 'bob'))).rejects.toMatchObject({ key: 'E_UNAUTHORIZED' });
  });

  it('applies every other check to a previous-secret token too (expiry)', async () => {
    const tokens = verifier({ AUTH_JWT_SECRET: CURRENT, AUTH_JWT_PREVIOUS_SECRET: PREVIOUS });
    const expired = await mintHs256Token(PREVIOUS, 'bob', { expiresIn: '-1m' });
    await expect(tokens.verify(expired)).rejects.toMatchObject({ key: 'E_UNAUTHORIZED', message: 'token expired' });
  });

  it('mints with the current secret only', async () => {
    const tokens = verifier({ AUTH_JWT_SECRET: CURRENT, AUTH_JWT_PREVIOUS_SECRET: PREVIOUS });
    const token = await tokens.sign('carol');
    await expect(verifier({ AUTH_JWT_SECRET: CURRENT }).verify(token)).resolves.toMatchObject({ userId: 'carol' });
  });
});
