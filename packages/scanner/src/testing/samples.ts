import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

/** The EICAR anti-virus test file: harmless, detected by every scanner by agreement. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * A minimal ZIP archive holding one deflated entry, so tests can prove that archives are
 * looked into without shipping binary fixtures. With `password`, the entry is encrypted with
 * the traditional PKWARE cipher (what `zip -P` writes; general purpose flag bit 0).
 */
export function zipOf(name: string, content: Buffer, { password }: { password?: string } = {}): Buffer<ArrayBuffer> {
  const crc = crc32(content);
  const data = password === undefined ? deflateRawSync(content) : zipCrypto(deflateRawSync(content), crc, password);
  const flags = password === undefined ? 0 : 1;
  const fileName = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

function crc32(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = crcUpdate(crc, byte);
  return (crc ^ 0xffffffff) >>> 0;
}

function crcUpdate(crc: number, byte: number): number {
  crc = (crc ^ byte) >>> 0;
  for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  return crc >>> 0;
}

/**
 * Traditional PKWARE encryption (APPNOTE 6.1): a 12-byte header whose last byte is the CRC's
 * high byte, then the data, each byte XORed with a keystream from three keys updated by the
 * plaintext.
 */
function zipCrypto(data: Buffer, crc: number, password: string): Buffer {
  let k0 = 0x12345678;
  let k1 = 0x23456789;
  let k2 = 0x34567890;
  const update = (byte: number) => {
    k0 = crcUpdate(k0, byte);
    k1 = (Math.imul((k1 + (k0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    k2 = crcUpdate(k2, k1 >>> 24);
  };
  for (const byte of Buffer.from(password)) update(byte);
  const header = randomBytes(12);
  header[11] = crc >>> 24;
  const plain = Buffer.concat([header, data]);
  const out = Buffer.alloc(plain.length);
  for (let i = 0; i < plain.length; i++) {
    const temp = (k2 | 2) & 0xffff;
    out[i] = plain[i]! ^ ((Math.imul(temp, temp ^ 1) >>> 8) & 0xff);
    update(plain[i]!);
  }
  return out;
}
