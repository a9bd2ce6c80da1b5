import { AppError } from '@airlock/core';
import type { Request } from 'express';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type TusRequestContext } from './request-context.js';

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { sha1: 20, md5: 16, sha256: 32 };

/**
 * `Upload-Checksum: <algorithm> <base64 digest>` (tus checksum extension) and `Content-MD5`
 * (RFC 1864). An algorithm we do not support is a 400 (the tus spec: "the Server MUST
 * respond with the 400 Bad Request status"), as is a digest that is not valid base64 of
 * the algorithm's length. Checked before anything is read or written.
 */
export function readChecksums(req: Request): Pick<TusRequestContext, 'checksum' | 'contentMd5'> {
  const result: Pick<TusRequestContext, 'checksum' | 'contentMd5'> = {};
  const header = req.headers['upload-checksum'];
  if (header !== undefined) {
    const match = typeof header === 'string' ? /^([a-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim()) : null;
    if (!match) throw new AppError('E_BAD_REQUEST', 'Upload-Checksum must be "<algorithm> <base64 digest>"');
    const algorithm = match[1] as ChecksumAlgorithm;
    if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
      throw new AppError('E_BAD_REQUEST', `unsupported checksum algorithm "${match[1]}"; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
    }
    result.checksum = { algorithm, digest: decode(match[2]!, DIGEST_BYTES[algorithm], 'Upload-Checksum') };
  }
  const md5 = req.headers['content-md5'];
  if (md5 !== undefined) result.contentMd5 = decode(String(md5).trim(), 16, 'Content-MD5');
  return result;
}

function decode(value: string, bytes: number, header: string): Buffer {
  const digest = Buffer.from(value, 'base64');
  if (digest.length !== bytes || digest.toString('base64') !== value) {
    throw new AppError('E_BAD_REQUEST', `${header} digest is not ${bytes} bytes of base64`);
  }
  return digest;
}
