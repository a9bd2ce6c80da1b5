import { expect } from 'vitest';

export interface Scrape {
  text: string;
  /** The value of one exact series (`name{labels}` as exported); 0 when it is absent. */
  value(series: string): number;
  /** Names of every metric family announced by `# TYPE`. */
  families(): Set<string>;
}

/** GET `<base>/metrics` (the API's or a worker's health port), checked to be Prometheus text. */
export async function scrape(base: string): Promise<Scrape> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return {
    text,
    value(series) {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : 0;
    },
    families() {
      return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    },
  };
}
