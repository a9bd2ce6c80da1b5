import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import './style.css';
import { createAccountView } from './account-view.js';
import { ApiError, TERMINAL, createApi, type FileItem } from './api.js';
import { createFilesView } from './files-view.js';
import { refresher } from './refresher.js';
import { createTokenStore, readDevToken } from './token-store.js';
import { createUploader } from './uploader.js';

/** How often the list is refreshed while anything is on its way to a terminal status. */
const POLL_MS = 2000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
// The page is served by the API itself: the API lives where the page does.
const base = new URL('./', document.baseURI);
const tokens = createTokenStore(localStorage, readDevToken(document));
const api = createApi(base, tokens.current);

const account = createAccountView({
  initialToken: tokens.current(),
  onSave(token) {
    tokens.save(token);
    void refresh();
  },
});

const errorBox = $<HTMLParagraphElement>('files-error');
function showError(message: string | null): void {
  errorBox.textContent = message ?? '';
  errorBox.hidden = message === null;
}

const files = createFilesView($('files'), $('files-empty'), {
  async download(file) {
    try {
      // A signed URL answered with Content-Disposition: attachment: the page stays.
      window.location.assign(await api.downloadUrl(file.id));
    } catch (error) {
      showError(`Download of ${file.original_filename ?? file.id} failed: ${(error as Error).message}`);
    }
  },
  async remove(file) {
    if (!window.confirm(`Delete ${file.original_filename ?? 'this file'}? This cannot be undone.`)) return;
    try {
      await api.deleteFile(file.id);
    } catch (error) {
      showError(`Could not delete ${file.original_filename ?? file.id}: ${(error as Error).message}`);
    }
    await refresh();
  },
});

const limits = await api.uploadLimits();
const uploader = createUploader({
  target: $('uppy'),
  endpoint: new URL('uploads', base).href,
  token: tokens.current,
  maxFileSize: limits.maxUploadSize,
  chunkSize: limits.chunkSize,
  onActivity: () => void refresh(),
});

let timer: number | undefined;
// One load at a time; a request during a load gets one more after it (refresher.ts): folded into
// the load under way, the last upload's success could leave a list read before it, and no poll.
const reload = refresher(load);

/** Reads /files and /me; polls again in POLL_MS while a file or Uppy is still busy. */
function refresh(): Promise<void> {
  window.clearTimeout(timer);
  return reload();
}

async function load(): Promise<void> {
  if (!tokens.current()) return account.signedOut('Paste a token to see your files and upload.');
  let items: FileItem[];
  try {
    // The list first, then the quota: a file that turned complete meanwhile is counted as stored.
    const list = await api.files();
    const me = await api.me();
    items = list;
    account.signedIn(me);
    files.render(list);
    showError(null);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return account.signedOut(`The token was refused: ${error.message}.`);
    showError(`Could not load your files: ${(error as Error).message}`);
    // A restarting API or a dropped connection: keep trying at the same pace.
    schedule();
    return;
  }
  const active = items.some((file) => !TERMINAL.has(file.status)) || uploader.busy();
  $('live').hidden = !active;
  if (active) schedule();
}

/** The next poll; one at a time (a load that follows another must not add a second timer). */
function schedule(): void {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void refresh(), POLL_MS);
}

void refresh();
