import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import type { Me } from '../../api/types';
import { safeNext } from '../../app/next';
import { meQueryKey } from '../../app/session';

/** After any successful sign-in: remember who this is and go where they were headed. */
export function useSignedIn() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  return async (me: Me) => {
    queryClient.clear();
    queryClient.setQueryData(meQueryKey, me);
    await navigate(safeNext(params.get('next')), { replace: true });
  };
}
