import { Center, Container, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { isProblem } from '../api/problem';
import { EnrollmentRequired } from '../features/account/EnrollmentRequired';
import { ErrorState } from '../ui/ErrorState';
import { signInPath } from './next';
import { SessionContext, useMeQuery } from './session';

/** Renders its children for a signed-in person; otherwise sends them to sign in and back. */
export function RequireSession({ children }: { children: ReactNode }) {
  const me = useMeQuery();
  const location = useLocation();
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading your workspace" />
      </Center>
    );
  }
  if (me.isError) {
    if (isProblem(me.error, 401)) {
      return <Navigate to={signInPath(location.pathname + location.search)} replace />;
    }
    return (
      <Container size="sm" py="xl">
        <ErrorState error={me.error} what="your workspace" onRetry={() => void me.refetch()} />
      </Container>
    );
  }
  // The organization requires two-step sign-in and this person has none:
  // the server refuses everything else until it is set up.
  if (me.data.mfa_enrollment_required) return <EnrollmentRequired me={me.data} />;
  return <SessionContext value={me.data}>{children}</SessionContext>;
}
