import { describe, expect, it } from 'vitest';
import { ApiProblem } from '../../api/problem';
import { organizationChoices } from './organizations';

describe('organization chooser', () => {
  it('reads the organizations of a 409 at sign-in', () => {
    const problem = new ApiProblem(409, {
      detail: 'you belong to several organizations: choose one with organization_id',
      organizations: [
        { organization_id: 'a', name: 'Acme' },
        { organization_id: 'b', name: 'Beta' },
        { bogus: true },
      ],
    });
    expect(organizationChoices(problem)).toEqual([
      { organization_id: 'a', name: 'Acme' },
      { organization_id: 'b', name: 'Beta' },
    ]);
  });

  it('ignores other errors', () => {
    expect(organizationChoices(new ApiProblem(401, { detail: 'invalid credentials' }))).toBeNull();
  });
});
