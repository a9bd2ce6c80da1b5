import type { Me } from './api.js';
import { formatBytes } from './format.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Who is signed in, the quota in use, and the token form. */
export function createAccountView(options: { initialToken: string; onSave: (token: string) => void }) {
  const form = $<HTMLFormElement>('token-form');
  const input = $<HTMLInputElement>('token-input');
  const toggle = $<HTMLButtonElement>('token-toggle');
  const hint = $<HTMLParagraphElement>('token-hint');
  const defaultHint = hint.innerHTML;

  const showForm = (open: boolean) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Close' : 'Change token';
  };
  input.value = options.initialToken;
  showForm(!options.initialToken);

  toggle.addEventListener('click', () => showForm(form.hidden !== false));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!input.value.trim()) return input.focus();
    options.onSave(input.value);
  });

  return {
    signedIn(me: Me): void {
      $('user').textContent = me.user_id;
      hint.classList.remove('hint--error');
      hint.innerHTML = defaultHint;
      if (document.activeElement !== input) showForm(false);
      const { quota_bytes: quota, used_bytes: used, reserved_bytes: reserved } = me;
      $('quota').hidden = false;
      $('quota-used').textContent = formatBytes(used);
      $('quota-total').textContent = formatBytes(quota);
      $('quota-reserved').textContent = reserved > 0 ? ` · ${formatBytes(reserved)} reserved by uploads` : '';
      // CSSOM, not a style attribute: allowed by the page's CSP (style-src 'self').
      const share = (bytes: number) => `${Math.min(100, quota > 0 ? (bytes / quota) * 100 : 0)}%`;
      $('meter-used').style.width = share(used);
      $('meter-reserved').style.width = share(reserved);
    },
    signedOut(message: string): void {
      $('user').textContent = '—';
      $('quota').hidden = true;
      hint.textContent = message;
      hint.classList.add('hint--error');
      showForm(true);
    },
  };
}
