import { SignJWT } from 'jose';
import { loadOrCreateSecret, readSecret, secretPath } from './secrets.js';

export interface HsSecret {
  value: string;
  /** True when it comes from DATA_DIR (a development setup), not from `AUTH_JWT_SECRET`. */
  generated: boolean;
}

/**
 * The HS256 secret every Airlock process agrees on: `AUTH_JWT_SECRET`, else the one generated
 * into `DATA_DIR/secrets/jwt-secret`. Services create it on first use; a client (the CLI) passes
 * `create: false`, so a typo in DATA_DIR fails with `MissingSecretError` instead of minting
 * tokens with a fresh secret no server knows.
 */
export function resolveHsSecret(auth: { jwtSecret: string | undefined; dataDir: string }, { create = true } = {}): HsSecret {
  if (auth.jwtSecret) return { value: auth.jwtSecret, generated: false };
  if (create) return loadOrCreateSecret(auth.dataDir, JWT_SECRET_NAME);
  return { value: readSecret(secretPath(auth.dataDir, JWT_SECRET_NAME)), generated: true };
}

export const JWT_SECRET_NAME = 'jwt-secret';

export interface MintOptions {
  /** Adds the admin claim: `role: "admin"` unless `adminClaim` names another (AUTH_ADMIN_CLAIM). */
  admin?: boolean;
  adminClaim?: { name: string; value: string };
  /** A jose time span such as `30d` (the default) or `1h`. */
  expiresIn?: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

/** A token for `userId` (`sub`) that the API accepts when it verifies with the same secret. */
export async function mintHs256Token(secret: string, userId: string, options: MintOptions = {}): Promise<string> {
  const claim = options.adminClaim ?? { name: 'role', value: 'admin' };
  let jwt = new SignJWT(options.admin ? { [claim.name]: claim.value } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '30d');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
