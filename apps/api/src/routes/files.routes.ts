import type { Config } from '@airlock/config';
import { adminFileJson, AppError, FILE_STATUSES, fileJson, isFileStatus, type FileRecord } from '@airlock/core';
import { InvalidCursorError, type Database } from '@airlock/db';
import type { Producer } from '@airlock/queue';
import { finalRef, supportsPresign, type StorageDriver } from '@airlock/storage';
import express, { Router, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { SignedUrls } from '../downloads/signed-url.js';
import { contentDisposition } from '../http/content-disposition.js';
import { callerOf, canSee } from '../http/auth.middleware.js';
import { isValidId } from '../tus/upload-id.js';
import { deleteFile } from '../files/delete-file.js';
import type { Locker } from '@tus/utils';
import { clientUrl } from '../http/public-url.js';

interface Deps {
  config: Config;
  db: Database;
  producer: Producer;
  logger: Logger;
  storage: StorageDriver;
  /** Authentication and rate limiting, in that order. */
  authenticate: RequestHandler[];
  signedUrls: SignedUrls;
  locker: Locker;
}

/** S3 presigned URLs live at most 7 days; so do ours. */
const MAX_URL_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The files API (contract section 6). Another user's file answers 404, never 403. Admins see
 * every user's files, deleted ones included (`include_deleted=true` in the listing), with
 * `deleted_at`, `purged_at` and, for one file, the scan audit.
 */
export function filesRoutes({ config, db, logger, storage, authenticate, signedUrls, locker }: Deps): Router {
  const router = Router();
  router.use(['/files', '/me'], ...authenticate);

  /** The file of `:id` if the caller may see it; a deleted one only for an admin reading it (`audit`). */
  const visibleFile = async (req: Request, { audit = false } = {}): Promise<FileRecord> => {
    const id = req.params.id;
    const file = isValidId(id) ? await db.files.find(id) : null;
    const caller = callerOf(req);
    if (!file || !canSee(caller, file.ownerId) || (file.deletedAt && !(audit && caller.isAdmin))) throw new AppError('E_NOT_FOUND', 'file not found');
    return file;
  };

  router.get('/files', async (req, res) => {
    const caller = callerOf(req);
    const { status, limit = '50', cursor, owner_id: ownerId, include_deleted: includeDeleted } = req.query as Record<string, unknown>;
    if (status !== undefined && !isFileStatus(status)) {
      throw new AppError('E_BAD_REQUEST', `status must be one of ${FILE_STATUSES.join(', ')}`);
    }
    if (typeof limit !== 'string' || !/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) {
      throw new AppError('E_BAD_REQUEST', 'limit must be a whole number from 1 to 1000');
    }
    if (cursor !== undefined && typeof cursor !== 'string') throw new AppError('E_BAD_REQUEST', 'invalid cursor');
    if (ownerId !== undefined && (typeof ownerId !== 'string' || !caller.isAdmin)) {
      throw new AppError('E_BAD_REQUEST', 'owner_id is for admin tokens only');
    }
    if (includeDeleted !== undefined && (!caller.isAdmin || (includeDeleted !== 'true' && includeDeleted !== 'false'))) {
      throw new AppError('E_BAD_REQUEST', 'include_deleted (true or false) is for admin tokens only');
    }
    try {
      const page = await db.files.list({
        ownerId: caller.isAdmin ? (ownerId as string | undefined) : caller.userId,
        limit: Number(limit),
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
        includeDeleted: includeDeleted === 'true',
      });
      const shape = caller.isAdmin ? (file: FileRecord) => adminFileJson(file) : fileJson;
      res.json({ items: page.items.map(shape), next_cursor: page.nextCursor });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new AppError('E_BAD_REQUEST', 'invalid cursor');
      throw error;
    }
  });

  router.get('/files/:id', async (req, res) => {
    const file = await visibleFile(req, { audit: true });
    res.setHeader('Cache-Control', 'no-store');
    res.json(callerOf(req).isAdmin ? adminFileJson(file, await db.files.listScans(file.id)) : fileJson(file));
  });

  router.delete('/files/:id', async (req, res) => {
    const file = await visibleFile(req);
    await deleteFile({ config, db, logger, storage, locker }, file, callerOf(req).userId);
    res.status(204).end();
  });

  router.post('/files/:id/download-url', express.json({ limit: '1kb' }), async (req, res) => {
    const file = await visibleFile(req);
    if (file.status !== 'complete' || !file.storagePath) {
      throw new AppError('E_CONFLICT', `file is ${file.status}; only complete files can be downloaded`);
    }
    const requested = (req.body as { expires_in?: unknown } | undefined)?.expires_in;
    if (requested !== undefined && (!Number.isInteger(requested) || (requested as number) < 1 || (requested as number) > MAX_URL_TTL_SECONDS)) {
      throw new AppError('E_BAD_REQUEST', `expires_in must be a whole number of seconds from 1 to ${MAX_URL_TTL_SECONDS}`);
    }
    const ttl = (requested as number | undefined) ?? config.signedUrl.ttlSeconds;
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const url = supportsPresign(storage)
      ? await storage.presignGet(finalRef(file.storagePath), {
          expiresInSeconds: ttl,
          contentDisposition: contentDisposition(file.originalFilename, file.id),
          contentType: file.mimeType ?? 'application/octet-stream',
        })
      : clientUrl(config, signedUrls.sign(file.id, expiresAt));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ url, expires_at: expiresAt.toISOString() });
  });

  router.get('/me', async (req, res) => {
    const { userId } = callerOf(req);
    const usage = await db.users.usage(userId);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      user_id: userId,
      quota_bytes: usage.quotaBytes ?? config.quotaBytes,
      used_bytes: usage.usedBytes,
      reserved_bytes: usage.reservedBytes,
    });
  });

  return router;
}
