export { EICAR, zipOf } from '@airlock/scanner/testing';

/** A valid 1×1 PNG. */
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6300010000050001' + '0d0a2db40000000049454e44ae426082',
  'hex',
);

/** The start of an ELF executable: what a renamed binary looks like. */
export const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(248, 1)]);

/**
 * Plain text for longer than the check at the door looks (64 KiB), then binary: allowed at
 * the first chunk, rejected by the validator, which reads every byte.
 */
export const TEXT_THEN_BINARY = Buffer.concat([Buffer.from('lorem ipsum '.repeat(7000)), Buffer.from([0, 1, 2, 3])]);
