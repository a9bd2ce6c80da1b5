/**
 * @tus/server answers errors thrown from hooks with their `status_code` and `body`.
 * This gives those a class and a stack instead of a plain object.
 */
export class TusHttpError extends Error {
  readonly status_code: number;
  readonly body: string;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'TusHttpError';
    this.status_code = status;
    this.body = `${message}\n`;
  }
}
