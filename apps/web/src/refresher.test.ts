import { describe, expect, it } from 'vitest';
import { refresher } from './refresher.js';

/** A load that reads `server` when it starts and shows it when its answer comes (a GET /files). */
function fakePage() {
  const page = { server: [] as string[], shown: [] as string[], loads: 0, answers: [] as (() => void)[] };
  const load = () =>
    new Promise<void>((resolve) => {
      page.loads += 1;
      const read = [...page.server];
      page.answers.push(() => {
        page.shown = read;
        resolve();
      });
    });
  const answerNext = async () => {
    page.answers.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { page, load, answerNext };
}

describe('refresher', () => {
  it('loads again after a load that was under way when the request came, so the page ends up showing the latest state', async () => {
    const { page, load, answerNext } = fakePage();
    const refresh = refresher(load);
    const first = refresh(); // the upload starts: GET /files goes out and reads an empty list
    page.server.push('notes.txt'); // the upload finishes while that request is in flight
    const second = refresh(); // upload-success
    const third = refresh(); // complete
    await answerNext();
    await first;
    expect(page.shown).toEqual([]); // the first answer is stale…
    expect(page.loads).toBe(2); // …so one more load runs, shared by both later requests
    await answerNext();
    await Promise.all([second, third]);
    expect(page.shown).toEqual(['notes.txt']);
    expect(page.loads).toBe(2);
  });

  it('runs a single load when nothing asks again meanwhile', async () => {
    const { page, load, answerNext } = fakePage();
    const refresh = refresher(load);
    const only = refresh();
    await answerNext();
    await only;
    expect(page.loads).toBe(1);
    refresh();
    expect(page.loads).toBe(2);
  });

  it('still loads again after a load that failed', async () => {
    let calls = 0;
    const refresh = refresher(async () => {
      calls += 1;
      if (calls === 1) throw new Error('API restarting');
    });
    const first = refresh();
    const second = refresh();
    await expect(first).rejects.toThrow('API restarting');
    await expect(second).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
