import type { FileItem } from './api.js';
import { STATUS_LABEL, formatBytes, formatDate, statusNote } from './format.js';

export interface FilesViewActions {
  download(file: FileItem): Promise<void>;
  remove(file: FileItem): Promise<void>;
}

/** The pipeline is still working on these: deleting answers 409 until it has finished. */
const BUSY = new Set(['assembling', 'scanning']);

/**
 * The list of the user's files, updated in place by id so a poll every two seconds neither
 * flickers nor steals focus from a button. Every user-supplied string (file names, types,
 * signatures) goes in through textContent, never as markup.
 */
export function createFilesView(list: HTMLUListElement, empty: HTMLElement, actions: FilesViewActions) {
  const rows = new Map<string, { li: HTMLLIElement; file: FileItem }>();

  list.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    const li = button?.closest<HTMLLIElement>('li[data-id]');
    const row = li && rows.get(li.dataset.id!);
    if (!button || !row) return;
    button.disabled = true;
    const run = button.dataset.action === 'download' ? actions.download : actions.remove;
    void run(row.file).finally(() => {
      button.disabled = false;
    });
  });

  function render(files: FileItem[]): void {
    empty.hidden = files.length > 0;
    const seen = new Set<string>();
    files.forEach((file, index) => {
      seen.add(file.id);
      let row = rows.get(file.id);
      if (!row) {
        row = { li: skeleton(), file };
        rows.set(file.id, row);
      }
      row.file = file;
      fill(row.li, file);
      if (list.children[index] !== row.li) list.insertBefore(row.li, list.children[index] ?? null);
    });
    for (const [id, row] of rows) {
      if (seen.has(id)) continue;
      row.li.remove();
      rows.delete(id);
    }
  }

  return { render };
}

function skeleton(): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'file';
  li.innerHTML = `
    <div class="file-main">
      <div class="file-name"></div>
      <div class="file-meta"></div>
      <div class="file-sum"></div>
    </div>
    <span class="badge"></span>
    <div class="file-actions">
      <button type="button" class="button button--primary" data-action="download">Download</button>
      <button type="button" class="button button--danger" data-action="delete">Delete</button>
    </div>
    <p class="file-note"></p>`;
  return li;
}

function fill(li: HTMLLIElement, file: FileItem): void {
  const name = file.original_filename ?? file.id;
  li.dataset.id = file.id;
  li.dataset.status = file.status;
  set(li, '.file-name', name).title = name;
  set(li, '.file-meta', [file.mime_type ?? 'type not known yet', formatBytes(file.size_bytes), formatDate(file.created_at)].join(' · ')).title =
    `Uploaded ${new Date(file.created_at).toLocaleString()}`;
  const sum = set(li, '.file-sum', file.checksum_sha256 ? `SHA-256 ${file.checksum_sha256.slice(0, 12)}…${file.checksum_sha256.slice(-6)}` : '');
  sum.title = file.checksum_sha256 ?? '';
  sum.hidden = !file.checksum_sha256;
  const badge = set(li, '.badge', STATUS_LABEL[file.status] ?? file.status);
  badge.className = `badge badge--${file.status}`;
  const note = statusNote(file);
  set(li, '.file-note', note ?? '').hidden = note === null;
  li.querySelector<HTMLButtonElement>('[data-action="download"]')!.hidden = file.status !== 'complete';
  const remove = li.querySelector<HTMLButtonElement>('[data-action="delete"]')!;
  remove.hidden = BUSY.has(file.status);
  remove.setAttribute('aria-label', `Delete ${name}`);
}

function set(root: Element, selector: string, text: string): HTMLElement {
  const element = root.querySelector<HTMLElement>(selector)!;
  if (element.textContent !== text) element.textContent = text;
  return element;
}
