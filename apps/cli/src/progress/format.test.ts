import { describe, expect, it } from 'vitest';
import { fit, formatBytes, formatDuration, parseSize } from './format.js';
import { renderBar } from './progress-display.js';
import { SpeedMeter } from './speed-meter.js';

describe('formatting', () => {
  it('prints binary sizes, durations and parses sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100.0 MiB');
    expect(formatDuration(7)).toBe('0:07');
    expect(formatDuration(3723)).toBe('1:02:03');
    expect(formatDuration(null)).toBe('--:--');
    expect(parseSize('8M')).toBe(8 * 1024 * 1024);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('1048576')).toBe(1048576);
    for (const bad of ['', '0', '-1M', 'lots', '8X']) expect(parseSize(bad)).toBeNull();
    expect(fit('a-very-long-file-name.bin', 10)).toBe('a-very-lo…');
  });

  it('measures speed over a window and derives the ETA; a bar fits the width', () => {
    let now = 0;
    const meter = new SpeedMeter(5_000, () => now);
    meter.record(0);
    expect(meter.rate()).toBeNull();
    now = 1_000;
    meter.record(10 * 1024 * 1024);
    expect(meter.rate()).toBe(10 * 1024 * 1024);
    expect(meter.eta(20 * 1024 * 1024)).toBe(2);
    const line = renderBar({ label: 'big.bin', phase: 'uploading', done: 10 * 1024 * 1024, total: 40 * 1024 * 1024, meter }, 100);
    expect(line.length).toBeLessThanOrEqual(100);
    expect(line).toMatch(/big\.bin +uploading +\[█+░+\] {2}25% 10\.0 MiB\/40\.0 MiB 10\.0 MiB\/s ETA 0:03/);
  });
});
