import { ApiProblem } from '../api/problem';

interface FormWithErrors {
  setErrors: (errors: Record<string, string>) => void;
}

/** Puts a 422's (or 409's) field errors beside the fields; keeps what was typed. */
export function showFieldErrors(form: FormWithErrors, error: unknown): void {
  if (error instanceof ApiProblem && error.errors.length > 0) form.setErrors(error.fieldErrors());
}

/** An optional text field: blank becomes null. */
export function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
