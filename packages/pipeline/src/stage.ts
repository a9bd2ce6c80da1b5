import type { Config } from '@airlock/config';
import type { FileRecord } from '@airlock/core';
import type { Producer } from '@airlock/queue';

/** The stages of the pipeline, in order; each is one job of @airlock/queue. */
export type Stage = 'validate' | 'scan' | 'promote';

const JOB_OF = { validate: 'upload.validate', scan: 'upload.scan', promote: 'upload.promote' } as const;

/**
 * The stage a file is in, read from its record alone (the database is the source of truth):
 * `assembling` → validate; `scanning` → scan, or promote once the scan was clean (the file
 * stays `scanning` until it is in final storage); anything else is in no stage. The one place
 * this is derived: each handler asks it whether it has work, the reconciler what to enqueue.
 */
export function stageOf(file: Pick<FileRecord, 'status' | 'scan'>): Stage | null {
  if (file.status === 'assembling') return 'validate';
  if (file.status !== 'scanning') return null;
  return file.scan.result === 'clean' ? 'promote' : 'scan';
}

/**
 * BullMQ options of a stage's job. validate and promote: one delivery more than the budget
 * (STAGE_MAX_ATTEMPTS, counted in the database), so the delivery that spends it, and ends the
 * file, still comes from BullMQ's own retries. scan: SCAN_MAX_ATTEMPTS counts the attempts
 * (in the scan record); two deliveries more cover a shutdown's hand-back and the delivery that
 * finds the budget spent.
 */
export function stageJobOptions(config: Pick<Config, 'stageMaxAttempts' | 'clamd'>, stage: Stage): { attempts: number } {
  return { attempts: stage === 'scan' ? config.clamd.maxAttempts + 2 : config.stageMaxAttempts + 1 };
}

/**
 * Enqueues the job of `stage` for a file: idempotent (the job id is the file's, so a job that
 * still waits or runs is not added twice). Rejects when Redis is away; the reconciler finds
 * the file in its stage later and enqueues it then.
 */
export async function enqueueStage(
  deps: { config: Pick<Config, 'stageMaxAttempts' | 'clamd'>; producer: Pick<Producer, 'enqueue'> },
  fileId: string,
  stage: Stage,
): Promise<void> {
  await deps.producer.enqueue(JOB_OF[stage], { fileId }, stageJobOptions(deps.config, stage));
}
