import { UnrecoverableError } from 'bullmq';
import type { JobContext, JobHandlers } from '@airlock/pipeline';
import { JOBS, isJobName, jobsOfRole, type JobName, type Role } from '@airlock/queue';

/** Thrown at start when a role would consume a job nobody handles. */
export class MissingHandlerError extends Error {
  constructor(role: Role, job: JobName) {
    super(`worker role "${role}" has no handler for job "${job}"`);
    this.name = 'MissingHandlerError';
  }
}

export type Dispatch = (name: string, data: unknown, ctx: JobContext) => Promise<void>;

/** The jobs of one role, as a type: `'upload.scan'` for `'scanner'`. */
export type JobsOfRole<R extends Role> = { [N in JobName]: (typeof JOBS)[N]['role'] extends R ? N : never }[JobName];
/** What a role needs: exactly the handlers of its jobs; the compiler rejects a table without one. */
export type RoleHandlers<R extends Role> = Pick<JobHandlers, JobsOfRole<R>>;

/**
 * Builds the dispatcher of one role, refusing to start when a job of the role has no
 * handler (a misconfigured deployable fails at boot, not at 3 a.m. on the first job).
 */
export function createDispatch<R extends Role>(role: R, handlers: RoleHandlers<R>): Dispatch {
  const table: Partial<JobHandlers> = handlers;
  for (const job of jobsOfRole(role)) {
    if (!table[job]) throw new MissingHandlerError(role, job);
  }
  return async (name, data, ctx) => {
    // Neither can ever succeed: BullMQ must not retry them (UnrecoverableError fails the job at once).
    if (!isJobName(name) || JOBS[name].role !== role) {
      throw new UnrecoverableError(`job "${name}" does not belong to role "${role}"`);
    }
    const parsed = JOBS[name].payload.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError(`job "${name}" has an invalid payload: ${parsed.error.message}`);
    const payload = parsed.data;
    const handler = table[name] as (payload: unknown, ctx: JobContext) => Promise<void>;
    await handler(payload, ctx);
  };
}
