import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import { api } from '../api/client';
import { unwrap } from '../api/result';
import type { Me } from '../api/types';

export const meQueryKey = ['auth', 'me'] as const;

export function useMeQuery() {
  return useQuery({
    queryKey: meQueryKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/auth/me', { signal })),
    staleTime: 5 * 60_000,
  });
}

export const SessionContext = createContext<Me | null>(null);

/** The signed-in person; only under RequireSession. */
export function useSession(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error('useSession outside a signed-in route');
  return me;
}

export type Role = 'admin' | 'manager' | 'rep' | 'viewer';

/** What the role may try; the server still decides and its refusal is shown. */
export function usePermissions() {
  const role = useSession().role as Role;
  return {
    role,
    canEdit: role !== 'viewer',
    isAdmin: role === 'admin',
    canManage: role === 'admin' || role === 'manager',
    canExport: role === 'admin' || role === 'manager',
    canReadAudit: role === 'admin' || role === 'viewer',
  };
}
