import { z } from 'zod';

/**
 * The job catalogue. Payloads carry ids only: never bytes, paths, tokens or secrets
 * (a job payload is stored in Redis and shown on the dashboard). Each job belongs to
 * one worker role; each role is one queue and one deployable app. The notifier role has no
 * job: it delivers webhooks from the database's outbox table on a timer of its own, so that
 * Redis being down loses no event (its queue stays, empty, for the dashboard and metrics).
 */
export const ROLES = ['validator', 'scanner', 'promoter', 'janitor', 'notifier'] as const;
export type Role = (typeof ROLES)[number];

const fileJob = z.object({ fileId: z.string().min(1).max(64) }).strict();
const emptyJob = z.object({}).strict();

export const JOBS = {
  /** Magic bytes of the assembled file against ALLOWED_TYPES. */
  'upload.validate': { role: 'validator', payload: fileJob, jobId: (p: { fileId: string }) => `validate-${p.fileId}` },
  /** One read pass: SHA-256 and clamd INSTREAM. */
  'upload.scan': { role: 'scanner', payload: fileJob, jobId: (p: { fileId: string }) => `scan-${p.fileId}` },
  /** Clean bytes from quarantine to final storage. */
  'upload.promote': { role: 'promoter', payload: fileJob, jobId: (p: { fileId: string }) => `promote-${p.fileId}` },
  /** Re-enqueues files stuck in the pipeline (a lost Redis, a dead worker). */
  'maintenance.reconcile': { role: 'janitor', payload: emptyJob, jobId: () => 'reconcile' },
  /** Expiry, retention and garbage collection, from the database (every GC_INTERVAL_SECONDS). */
  'maintenance.gc': { role: 'janitor', payload: emptyJob, jobId: () => 'gc' },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

export const JOB_NAMES = Object.keys(JOBS) as JobName[];

export function isJobName(value: string): value is JobName {
  return Object.hasOwn(JOBS, value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The BullMQ queue of a role. */
export function queueName(role: Role): string {
  return `airlock-${role}`;
}

export function jobsOfRole(role: Role): JobName[] {
  return JOB_NAMES.filter((name) => JOBS[name].role === role);
}
