/**
 * Errors from the API are RFC 9457 problems (`application/problem+json`):
 * `{type, title, status, detail, errors?: [{field, message}], request_id}`,
 * sometimes with extra members (e.g. `organizations` on a 409 at sign-in).
 * The body is parsed whatever content type the document declares for it.
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly type: string;
  readonly errors: FieldProblem[];
  /** The whole parsed body, for extra members. */
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const detail = typeof body.detail === 'string' ? body.detail : defaultDetail(status);
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.detail = detail;
    this.title = typeof body.title === 'string' ? body.title : `Error ${status}`;
    this.type = typeof body.type === 'string' ? body.type : 'about:blank';
    this.errors = parseFieldErrors(body.errors);
    this.body = body;
  }

  /** Field errors keyed by form path (`stages[0].name` becomes `stages.0.name`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) {
      const key = e.field.replace(/\[(\d+)\]/g, '.$1');
      out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
    }
    return out;
  }
}

function parseFieldErrors(raw: unknown): FieldProblem[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { field, message } = item as Record<string, unknown>;
    return typeof field === 'string' && typeof message === 'string' ? [{ field, message }] : [];
  });
}

function defaultDetail(status: number): string {
  if (status === 401) return 'Sign in to continue.';
  if (status === 403) return 'You do not have permission to do this.';
  if (status === 404) return 'This record does not exist or is not visible to you.';
  if (status === 429) return 'Too many requests; wait a moment and try again.';
  if (status >= 500) return 'Something went wrong on our side. Try again in a moment.';
  return `The request failed (${status}).`;
}

/** Builds an ApiProblem from whatever openapi-fetch put in `error`. */
export function toProblem(error: unknown, response: Response): ApiProblem {
  const body =
    typeof error === 'object' && error !== null && !Array.isArray(error)
      ? (error as Record<string, unknown>)
      : typeof error === 'string' && error.length > 0 && response.status < 500
        ? { detail: error }
        : {};
  return new ApiProblem(response.status, body);
}

export function isProblem(error: unknown, status?: number): error is ApiProblem {
  return error instanceof ApiProblem && (status === undefined || error.status === status);
}

/** A message a person can act on, for any error a query or mutation threw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiProblem) return error.detail;
  if (error instanceof TypeError) return 'Could not reach Clearview. Check your connection and try again.';
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
