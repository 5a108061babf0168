import { ApiProblem } from '../../api/problem';

export interface OrganizationChoice {
  organization_id: string;
  name: string;
}

/** The `organizations` member of the 409 a person in several organizations gets at sign-in. */
export function organizationChoices(error: unknown): OrganizationChoice[] | null {
  if (!(error instanceof ApiProblem) || error.status !== 409) return null;
  const raw = error.body.organizations;
  if (!Array.isArray(raw)) return null;
  return raw.flatMap((item: unknown) => {
    if (typeof item !== 'object' || item === null) return [];
    const { organization_id, name } = item as Record<string, unknown>;
    return typeof organization_id === 'string' && typeof name === 'string' ? [{ organization_id, name }] : [];
  });
}
