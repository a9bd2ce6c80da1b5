import type { Report } from './report.js';

/** One line of the table: absolute figures beside each other, the ratio Airlock / baseline, the target. */
interface Row {
  label: string;
  unit: string;
  ceiling: string;
  bare: string;
  airlock: string;
  ratio: string;
  target: string;
  verdict: string;
}

const HEADER: Row = {
  label: 'scenario',
  unit: 'unit',
  ceiling: 'ceiling (dd · http sink)',
  bare: 'bare @tus',
  airlock: 'Airlock',
  ratio: 'Airlock/bare',
  target: 'target',
  verdict: '',
};
/** ceiling, bare, Airlock and ratio are numbers: right-aligned. */
const RIGHT = new Set<keyof Row>(['bare', 'airlock', 'ratio']);

const num = (value: unknown, digits = 1): string => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—');
const times = (value: unknown): string => (typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(2)}×` : '');
const verdictOf = (meets: unknown): string => (meets === true ? 'meets' : meets === false ? 'MISSES' : '');
const targetOf = (target: unknown): string => (typeof target === 'string' ? `${target.replace('>=', '≥').replace('<=', '≤')}×` : '');

export function renderTable(report: Report): string {
  const rows: Row[] = [];
  const get = (bench: string, server: string, key: string) => report.find(bench, server)?.[key];
  const has = (bench: string) => ['bare_tus', 'airlock', 'clamd'].some((server) => report.find(bench, server));
  const labelOf = (bench: string) => String(['airlock', 'bare_tus', 'clamd'].map((server) => get(bench, server, 'label')).find(Boolean) ?? bench);
  /** A figure of bare tus and Airlock, their ratio, and what the sink/dd did. */
  const figure = (bench: string, key: string, label: string, unit: string, digits: number, ceiling: string, withTarget: boolean): Row => {
    const ratio = report.find(bench, 'ratio');
    const airlock = get(bench, 'airlock', key);
    const bare = get(bench, 'bare_tus', key);
    return {
      label,
      unit,
      ceiling,
      bare: num(bare, digits),
      airlock: num(airlock, digits),
      ratio: withTarget ? times(ratio?.value) : typeof airlock === 'number' && typeof bare === 'number' && bare > 0 ? times(airlock / bare) : '',
      target: withTarget ? targetOf(ratio?.target) : '',
      verdict: withTarget ? verdictOf(ratio?.meets) : '',
    };
  };
  const sink = (bench: string, key: string, digits = 0) => (report.find(bench, 'http_sink') ? `sink ${num(get(bench, 'http_sink', key), digits)}` : '');
  /** The part of the server CPU row above it that V8's background threads (GC helpers, mostly) took. */
  const v8Threads = (bench: string, key: string, unit: string) =>
    figure(bench, key, '    of which V8 background threads (GC)', unit, 2, sink(bench, key, 2), false);
  const dd = report.find('disk_ceiling', 'dd');
  const withDd = (text: string) => [dd ? `dd ${num(dd.mb_per_s, 0)}` : '', text].filter(Boolean).join(' · ');

  if (has('single_stream')) {
    rows.push(figure('single_stream', 'mb_per_s', labelOf('single_stream'), 'MB/s', 1, withDd(sink('single_stream', 'mb_per_s')), true));
    rows.push(figure('single_stream', 'server_cpu_s_per_gib', '  server CPU per GiB', 'CPU s', 2, sink('single_stream', 'server_cpu_s_per_gib', 2), false));
    rows.push(v8Threads('single_stream', 'server_v8_threads_cpu_s_per_gib', 'CPU s'));
  }
  if (has('small_uploads')) {
    rows.push(figure('small_uploads', 'uploads_per_s', labelOf('small_uploads'), 'uploads/s', 1, sink('small_uploads', 'uploads_per_s'), true));
    rows.push(figure('small_uploads', 'p50_ms', '  latency p50 (POST + PATCH)', 'ms', 1, sink('small_uploads', 'p50_ms', 1), false));
    rows.push(figure('small_uploads', 'p95_ms', '  latency p95 (POST + PATCH)', 'ms', 1, sink('small_uploads', 'p95_ms', 1), false));
    rows.push(
      figure('small_uploads', 'server_cpu_ms_per_upload', '  server CPU per upload', 'CPU ms', 2, sink('small_uploads', 'server_cpu_ms_per_upload', 2), false),
    );
    rows.push(v8Threads('small_uploads', 'server_v8_threads_cpu_ms_per_upload', 'CPU ms'));
    rows.push(figure('small_uploads', 'server_main_thread_cpu_ms_per_upload', '    of which the main thread (event loop)', 'CPU ms', 2, '', false));
    rows.push(figure('small_uploads', 'server_pool_cpu_ms_per_upload', "    of which libuv's thread pool (files)", 'CPU ms', 2, '', false));
    rows.push(figure('small_uploads', 'sql_statements_per_upload', '  SQL statements per upload (counted)', 'statements', 1, '', false));
    rows.push(figure('small_uploads', 'redis_commands_per_upload', '  Redis commands per upload (counted)', 'commands', 1, '', false));
    rows.push(figure('small_uploads', 'disk_kib_written_per_upload', '  disk written per upload (/proc io)', 'KiB', 1, '', false));
    const drain = get('small_uploads', 'airlock', 'pipeline_files_per_s');
    if (drain !== undefined) rows.push({ ...blank('  then the pipeline takes them to complete', 'files/s'), bare: 'n/a', airlock: num(drain) });
  }
  if (has('concurrent_uploads')) {
    rows.push(figure('concurrent_uploads', 'mb_per_s', labelOf('concurrent_uploads'), 'MB/s', 1, withDd(sink('concurrent_uploads', 'mb_per_s')), false));
    rows.push(
      figure('concurrent_uploads', 'server_cpu_s_per_gib', '  server CPU per GiB', 'CPU s', 2, sink('concurrent_uploads', 'server_cpu_s_per_gib', 2), false),
    );
    rows.push(v8Threads('concurrent_uploads', 'server_v8_threads_cpu_s_per_gib', 'CPU s'));
    const rss = report.find('peak_rss', 'airlock');
    const target = typeof rss?.target_api_mib === 'number' ? `≤ ${rss.target_api_mib} MiB` : '';
    const bareRss = report.find('peak_rss', 'bare_tus');
    const fromTo = (start: unknown, peak: unknown) => `${num(start, 0)} → ${num(peak, 0)}`;
    rows.push({
      ...blank('  RSS of the API (bare: its process), start → peak', 'MiB'),
      bare: fromTo(bareRss?.server_start_mib, bareRss?.server_mib),
      airlock: fromTo(rss?.api_start_mib, rss?.api_mib),
      target,
      verdict: verdictOf(rss?.meets),
    });
    rows.push({
      ...blank('    of which file-backed (the node executable, libraries)', 'MiB'),
      bare: num(bareRss?.server_file_mib, 0),
      airlock: num(rss?.api_file_mib, 0),
    });
    rows.push({ ...blank('  RSS of the worker (run + pipeline), start → peak', 'MiB'), bare: 'n/a', airlock: fromTo(rss?.worker_start_mib, rss?.worker_mib) });
  }
  if (has('pipeline')) {
    const ratio = report.find('pipeline', 'ratio');
    rows.push({
      ...blank(labelOf('pipeline'), 's'),
      bare: `clamd ${num(get('pipeline', 'clamd', 'seconds'), 2)}`,
      airlock: num(get('pipeline', 'airlock', 'seconds'), 2),
      ratio: times(ratio?.value),
      target: targetOf(ratio?.target),
      verdict: verdictOf(ratio?.meets),
    });
  }

  const columns = Object.keys(HEADER) as (keyof Row)[];
  const widths = columns.map((column) => Math.max(...[HEADER, ...rows].map((row) => row[column].length)));
  const line = (row: Row) =>
    columns
      .map((column, index) => (RIGHT.has(column) ? row[column].padStart(widths[index]!) : row[column].padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [line(HEADER), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function blank(label: string, unit: string): Row {
  return { label, unit, ceiling: '', bare: '', airlock: '', ratio: '', target: '', verdict: '' };
}
