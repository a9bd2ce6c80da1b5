import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Download URLs for the local backend: `/downloads/<fileId>?expires=<unix s>&sig=<hmac>`,
 * HMAC-SHA256 over the file id and the expiry with SIGNED_URL_SECRET. Changing either
 * breaks the signature; nothing in the URL is secret, and nothing else grants access.
 */
export interface SignedUrls {
  sign(fileId: string, expiresAt: Date): string;
  /** 'ok', or why the URL must be refused (both answered 403). */
  verify(fileId: string, expires: unknown, sig: unknown, now?: Date): 'ok' | 'expired' | 'invalid';
}

export function createSignedUrls(secret: string): SignedUrls {
  const mac = (fileId: string, expires: number) => createHmac('sha256', secret).update(`download\n${fileId}\n${expires}`).digest('base64url');
  return {
    sign(fileId, expiresAt) {
      const expires = Math.floor(expiresAt.getTime() / 1000);
      return `/downloads/${fileId}?expires=${expires}&sig=${mac(fileId, expires)}`;
    },
    verify(fileId, expires, sig, now = new Date()) {
      if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof sig !== 'string') return 'invalid';
      const expected = Buffer.from(mac(fileId, Number(expires)));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
      return Number(expires) * 1000 <= now.getTime() ? 'expired' : 'ok';
    },
  };
}
