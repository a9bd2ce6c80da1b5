export { createDatabase } from './database.js';
export { migrate } from './migrate.js';
export { isUniqueViolation } from './prisma-errors.js';
export { InvalidCursorError } from './file-cursor.js';
export type {
  ChunkProgress,
  Database,
  FilePage,
  FilePatch,
  FileQuery,
  FileRepository,
  NewUpload,
  UploadRepository,
} from './repositories.js';
