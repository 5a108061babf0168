import { describe, expect, it } from 'vitest';
import { ApiProblem, describeError, toProblem } from './problem';

describe('problem+json errors', () => {
  it('keeps detail, status and field errors, keyed by form path', () => {
    const problem = toProblem(
      {
        type: 'https://clearview.dev/problems/unprocessable-entity',
        title: 'Unprocessable Entity',
        status: 422,
        detail: 'the request has invalid fields',
        errors: [
          { field: 'email', message: 'must contain @' },
          { field: 'stages[1].name', message: 'is required' },
        ],
      },
      new Response(null, { status: 422 }),
    );
    expect(problem.status).toBe(422);
    expect(problem.detail).toBe('the request has invalid fields');
    expect(problem.fieldErrors()).toEqual({ email: 'must contain @', 'stages.1.name': 'is required' });
  });

  it('falls back to a readable message when the body is not a problem', () => {
    const problem = toProblem('<html>Bad gateway</html>', new Response(null, { status: 502 }));
    expect(problem.detail).toBe('Something went wrong on our side. Try again in a moment.');
    expect(problem.errors).toEqual([]);
  });

  it('describes network failures', () => {
    expect(describeError(new TypeError('Failed to fetch'))).toMatch(/Could not reach Clearview/);
    expect(describeError(new ApiProblem(403, {}))).toMatch(/permission/);
  });
});
