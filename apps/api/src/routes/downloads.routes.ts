import { pipeline } from 'node:stream/promises';
import { AppError } from '@airlock/core';
import type { Database } from '@airlock/db';
import { finalRef, type StorageDriver } from '@airlock/storage';
import { Router } from 'express';
import { evaluatePreconditions } from '../downloads/preconditions.js';
import { parseRange } from '../downloads/range.js';
import type { SignedUrls } from '../downloads/signed-url.js';
import { contentDisposition } from '../http/content-disposition.js';
import { isValidId } from '../tus/upload-id.js';

interface Deps {
  db: Database;
  storage: StorageDriver;
  signedUrls: SignedUrls;
}

/**
 * Signed downloads of the local backend (S3 serves its presigned URLs itself). No token:
 * the signature is the credential. Expired or altered → 403; deleted or not complete → 404.
 * Only `complete` files, with the type detected from their bytes and `nosniff`, so a
 * browser never renders an upload as a page of this origin. Conditional requests follow
 * RFC 9110 (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range).
 */
export function downloadsRoutes({ db, storage, signedUrls }: Deps): Router {
  const router = Router();
  router.get('/downloads/:id', async (req, res) => {
    const id = req.params.id;
    const verdict = isValidId(id) ? signedUrls.verify(id, req.query.expires, req.query.sig) : 'invalid';
    if (verdict !== 'ok') throw new AppError('E_FORBIDDEN', verdict === 'expired' ? 'download URL expired' : 'invalid download URL');
    const file = await db.files.find(id);
    if (!file || file.deletedAt || file.status !== 'complete' || !file.storagePath) throw new AppError('E_NOT_FOUND', 'file not found');
    const ref = finalRef(file.storagePath);
    const stat = await storage.stat(ref);
    if (!stat) throw new AppError('E_NOT_FOUND', 'file not found');

    const etag = `"${file.checksumSha256 ?? stat.etag ?? stat.size}"`;
    // A complete file never changes: it last changed when it became complete.
    const lastModified = file.updatedAt;
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', lastModified.toUTCString());
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', file.mimeType ?? 'application/octet-stream');
    res.setHeader('Content-Disposition', contentDisposition(file.originalFilename, file.id));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-cache');
    const { answer, rangeAllowed } = evaluatePreconditions(req.headers, { etag, lastModified });
    if (answer === 304) return void res.status(304).end();
    if (answer === 412) throw new AppError('E_PRECONDITION_FAILED', 'a precondition (If-Match or If-Unmodified-Since) does not hold');

    const range = rangeAllowed ? parseRange(req.headers.range, stat.size) : undefined;
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${stat.size}`);
      return void res.status(416).end();
    }
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${stat.size}`);
    }
    res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : stat.size));
    if (req.method === 'HEAD') return void res.end();
    await pipeline(await storage.read(ref, range), res).catch((error: NodeJS.ErrnoException) => {
      // The client went away mid-download: nothing to answer, nothing lost.
      if (error.code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  });
  return router;
}
