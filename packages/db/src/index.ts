export { createDatabase } from './database.js';
export { migrate } from './migrate.js';
export { isUniqueViolation } from './prisma-errors.js';
export type {
  ChunkProgress,
  Database,
  FilePatch,
  FileRepository,
  NewUpload,
  UploadRepository,
} from './repositories.js';
