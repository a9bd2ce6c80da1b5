import type { BrowserContext, Locator, Page, Request } from 'playwright-core';

/** What the page shows about one file (the `li.file` row of the files list). */
export interface Row {
  name: string;
  status: string;
  meta: string;
  checksum: string;
  note: string;
}

/** A tus request the page sent, as the browser saw it. */
export interface TusRequest {
  method: string;
  url: string;
  offset: number | null;
  concat: string | null;
  /** How many times the page had been (re)loaded when this request was sent: 1 for the first load. */
  load: number;
  /** The status, or why it failed; filled in when the request ends. */
  outcome?: number | string;
}

/**
 * The dashboard as a person uses it, through its visible controls only: the token form,
 * Uppy's own file input and Upload button, and the files list. Also records what the page
 * itself reports as wrong (console errors, CSP violations, uncaught exceptions).
 */
export class DashboardPage {
  readonly problems: string[] = [];
  readonly tusRequests: TusRequest[] = [];
  private loads = 0;

  private constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      // A resource that answered 4xx is logged as an error by Chromium; that is the API speaking.
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) this.problems.push(`console: ${msg.text()}`);
    });
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) this.loads += 1;
      this.recordTus(request);
    });
    page.on('requestfinished', (request) => void request.response().then((res) => this.settle(request, res?.status() ?? 'no response')));
    page.on('requestfailed', (request) => this.settle(request, request.failure()?.errorText ?? 'failed'));
  }

  static async open(context: BrowserContext, url: string): Promise<DashboardPage> {
    const page = await context.newPage();
    // Runs before the page's own scripts, and outside its CSP.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
      });
    });
    const dashboard = new DashboardPage(page);
    await page.goto(url);
    return dashboard;
  }

  async signIn(token: string, expectedUser: string): Promise<void> {
    await this.page.locator('#token-input').fill(token);
    await this.page.locator('#token-form button[type=submit]').click();
    await this.page.locator('#user', { hasText: expectedUser }).waitFor();
  }

  /** Through Uppy's own (hidden) file input, as the "browse files" link does. */
  async addFiles(paths: string[]): Promise<void> {
    await this.page.locator('input.uppy-Dashboard-input[name="files[]"]:not([webkitdirectory])').first().setInputFiles(paths);
  }

  async startUpload(): Promise<void> {
    await this.page.locator('.uppy-StatusBar-actionBtn--upload').click();
  }

  /** Uppy's status bar says every byte of every added file is in. */
  async waitForUppyComplete(timeoutMs = 45_000): Promise<void> {
    await this.page.locator('.uppy-StatusBar', { hasText: 'Complete' }).waitFor({ timeout: timeoutMs });
  }

  row(name: string): Locator {
    return this.page.locator('li.file', { has: this.page.locator('.file-name', { hasText: name }) });
  }

  async rows(): Promise<Row[]> {
    return this.page.locator('li.file').evaluateAll((lis) =>
      lis.map((li) => ({
        name: li.querySelector('.file-name')!.textContent ?? '',
        status: (li as HTMLElement).dataset.status ?? '',
        meta: li.querySelector('.file-meta')!.textContent ?? '',
        checksum: (li.querySelector('.file-sum') as HTMLElement).title,
        note: li.querySelector('.file-note')!.textContent ?? '',
      })),
    );
  }

  /** Waits until each named file's row shows the given status (the page polls GET /files). */
  async waitForStatuses(expected: Record<string, string>, timeoutMs = 45_000): Promise<void> {
    await this.page
      .waitForFunction(
        (want) => {
          const seen = new Map(
            [...document.querySelectorAll<HTMLElement>('li.file')].map((li) => [li.querySelector('.file-name')!.textContent, li.dataset.status]),
          );
          return Object.entries(want).every(([name, status]) => seen.get(name) === status);
        },
        expected,
        { timeout: timeoutMs, polling: 200 },
      )
      .catch(async (error: Error) => {
        const shown = JSON.stringify(await this.rows().catch(() => 'nothing'));
        const notices = await this.page
          .locator('#files-error, #token-hint, .uppy-Informer')
          .allTextContents()
          .catch(() => []);
        throw new Error(
          `${error.message}\nwanted ${JSON.stringify(expected)}, the page shows ${shown}\nnotices: ${JSON.stringify(notices)}\nproblems: ${JSON.stringify(this.problems)}\ntus: ${JSON.stringify(this.tusRequests)}`,
        );
      });
  }

  private readonly pending = new Map<Request, TusRequest>();

  private settle(request: Request, outcome: number | string): void {
    const entry = this.pending.get(request);
    if (!entry) return;
    entry.outcome = outcome;
    this.pending.delete(request);
  }

  private recordTus(request: Request): void {
    const { pathname } = new URL(request.url());
    if (!pathname.startsWith('/uploads')) return;
    const headers = request.headers();
    const entry: TusRequest = {
      method: request.method(),
      url: request.url(),
      offset: headers['upload-offset'] === undefined ? null : Number(headers['upload-offset']),
      concat: headers['upload-concat'] ?? null,
      load: this.loads,
    };
    this.tusRequests.push(entry);
    this.pending.set(request, entry);
  }
}
