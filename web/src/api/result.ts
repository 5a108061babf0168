import { toProblem } from './problem';

/** What every openapi-fetch call resolves to. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The response body of a successful call; an ApiProblem otherwise. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toProblem(error, response);
  return data as T;
}

/** For calls answered with 202/204 and no body we need. */
export async function send(call: Promise<FetchResult<unknown>>): Promise<void> {
  const { error, response } = await call;
  if (!response.ok) throw toProblem(error, response);
}
