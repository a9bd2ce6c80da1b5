export { createDatabase } from './database.js';
export { migrate } from './migrate.js';
export { isUniqueViolation } from './prisma-errors.js';
export { InvalidCursorError } from './file-cursor.js';
export { QuotaExceededError, TooManyOpenUploadsError } from './quota.js';
export { ConcatenationError } from './concatenation.js';
export { IN_FLIGHT_STATUSES, type InFlightStatus, type ScanTotal, type StatsRepository, type TerminalTotal } from './stats.repository.js';
export { OUTBOX_STATES, type OutboxBacklog, type OutboxEvent, type OutboxRepository, type OutboxState } from './outbox.repository.js';
export type { MaintenanceCursor, MaintenanceRepository, StoredFile } from './maintenance.repository.js';
export type {
  ChunkProgress,
  Database,
  DatabaseEvents,
  FilePage,
  FilePatch,
  FileQuery,
  FileRepository,
  NewUpload,
  PipelineStage,
  QuotaUsage,
  UserRepository,
  UploadRepository,
} from './repositories.js';
