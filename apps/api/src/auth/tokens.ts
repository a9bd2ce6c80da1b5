import type { Config } from '@airlock/config';
import { AppError } from '@airlock/core';
import { mintHs256Token, resolveHsSecret } from '@airlock/auth';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** Who is calling: `sub` of the token, and whether it carries the admin claim (AUTH_ADMIN_CLAIM, default `role: "admin"`). */
export interface Caller {
  userId: string;
  isAdmin: boolean;
}

export interface TokenVerifier {
  verify(token: string): Promise<Caller>;
  /** True when the HS256 secret was generated into DATA_DIR (a development setup). */
  readonly devSecret: boolean;
  /** Only with an HS256 secret: mints a token (dev tooling and tests). */
  sign(userId: string, options?: { admin?: boolean; expiresIn?: string }): Promise<string>;
}

const SUBJECT = /^[A-Za-z0-9._@:|-]{1,128}$/;

export function createTokenVerifier(config: Config): TokenVerifier {
  const { jwksUrl, issuer, audience, adminClaim } = config.auth;
  const hs = jwksUrl ? undefined : resolveHsSecret({ jwtSecret: config.auth.jwtSecret, dataDir: config.dataDir });
  const key: Uint8Array | JWTVerifyGetKey = hs ? new TextEncoder().encode(hs.value) : createRemoteJWKSet(new URL(jwksUrl!));
  // Key rotation (AUTH_JWT_PREVIOUS_SECRET): the old secret is tried only when the current one
  // does not match the signature, so every other check (expiry, issuer, …) is the same for both.
  const previous = hs && config.auth.previousJwtSecret ? new TextEncoder().encode(config.auth.previousJwtSecret) : undefined;
  // Never accept `alg: none` or an algorithm the key was not meant for.
  const algorithms = hs ? ['HS256'] : ['RS256', 'ES256'];
  const options = { algorithms, issuer, audience, requiredClaims: ['sub', 'exp'] };
  const verifyAny = async (token: string) => {
    try {
      return await jwtVerify(token, key as Uint8Array, options);
    } catch (error) {
      if (!previous || !(error instanceof errors.JWSSignatureVerificationFailed)) throw error;
      return jwtVerify(token, previous, options);
    }
  };

  return {
    devSecret: hs?.generated ?? false,
    async verify(token) {
      try {
        // A token without `exp` would be valid forever: refused (requiredClaims).
        const { payload } = await verifyAny(token);
        if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub)) {
          throw new AppError('E_UNAUTHORIZED', 'token subject is missing or malformed');
        }
        return { userId: payload.sub, isAdmin: hasClaim(payload[adminClaim.name], adminClaim.value) };
      } catch (error) {
        if (error instanceof AppError) throw error;
        const reason = error instanceof errors.JWTExpired ? 'token expired' : 'invalid token';
        throw new AppError('E_UNAUTHORIZED', reason, { cause: error });
      }
    },
    async sign(userId, options = {}) {
      if (!hs) throw new Error('tokens can only be minted with an HS256 secret (AUTH_JWT_SECRET)');
      return mintHs256Token(hs.value, userId, { ...options, issuer, audience, adminClaim });
    },
  };
}

/** The admin claim matches as a string, or as one member of an array (`groups: ["a", "admins"]`). */
function hasClaim(claim: unknown, value: string): boolean {
  return claim === value || (Array.isArray(claim) && claim.includes(value));
}
