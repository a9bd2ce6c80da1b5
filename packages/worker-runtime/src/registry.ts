import { UnrecoverableError } from 'bullmq';
import { JOBS, isJobName, jobsOfRole, type JobName, type Role } from '@airlock/queue';
import type { JobContext, JobHandlers } from '@airlock/pipeline';

/** Thrown at start when a role would consume a job nobody handles. */
export class MissingHandlerError extends Error {
  constructor(role: Role, job: JobName) {
    super(`worker role "${role}" has no handler for job "${job}"`);
    this.name = 'MissingHandlerError';
  }
}

export type Dispatch = (name: string, data: unknown, ctx: JobContext) => Promise<void>;

/**
 * Builds the dispatcher of one role, refusing to start when a job of the role has no
 * handler (a misconfigured deployable fails at boot, not at 3 a.m. on the first job).
 */
export function createDispatch(role: Role, handlers: JobHandlers): Dispatch {
  for (const job of jobsOfRole(role)) {
    if (!handlers[job]) throw new MissingHandlerError(role, job);
  }
  return async (name, data, ctx) => {
    // Neither can ever succeed: BullMQ must not retry them (UnrecoverableError fails the job at once).
    if (!isJobName(name) || JOBS[name].role !== role) {
      throw new UnrecoverableError(`job "${name}" does not belong to role "${role}"`);
    }
    const parsed = JOBS[name].payload.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError(`job "${name}" has an invalid payload: ${parsed.error.message}`);
    const payload = parsed.data;
    const handler = handlers[name] as (payload: unknown, ctx: JobContext) => Promise<void>;
    await handler(payload, ctx);
  };
}
