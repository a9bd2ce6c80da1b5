const TOKEN_KEY = 'airlock.token';
/** Set while the stored token is the one the API handed out in development. */
const FROM_DEV_KEY = 'airlock.token.dev';

export interface TokenStore {
  current(): string;
  /** A token the user pasted: it wins over the development token from then on. */
  save(token: string): void;
}

/**
 * The bearer token lives in localStorage. In development (the API generated its own HS256
 * secret) the API puts a fresh token for user `dev` in `<meta name="airlock-dev-token">`; it
 * fills an empty store, and replaces an earlier development token (the old one may have expired
 * or been signed with a secret since regenerated), never a token the user pasted.
 */
export function createTokenStore(storage: Storage, devToken: string | null): TokenStore {
  const stored = storage.getItem(TOKEN_KEY);
  if (devToken && (!stored || storage.getItem(FROM_DEV_KEY) === '1')) {
    storage.setItem(TOKEN_KEY, devToken);
    storage.setItem(FROM_DEV_KEY, '1');
  }
  return {
    current: () => storage.getItem(TOKEN_KEY) ?? '',
    save(token) {
      storage.setItem(TOKEN_KEY, token.trim());
      storage.removeItem(FROM_DEV_KEY);
    },
  };
}

export function readDevToken(doc: Document): string | null {
  return doc.querySelector<HTMLMetaElement>('meta[name="airlock-dev-token"]')?.content || null;
}
