import { Anchor, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { send } from '../../api/result';
import type { Me } from '../../api/types';
import { meQueryKey } from '../../app/session';
import { AuthLayout } from '../auth/AuthLayout';
import { TotpSetup } from './TotpSetup';

/**
 * Shown instead of the app when the organization requires two-step sign-in
 * and this person has not set it up: the server refuses every other
 * request until they do. Turning it on upgrades the session in place.
 */
export function EnrollmentRequired({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const signOut = async () => {
    await send(api.POST('/api/auth/logout')).catch(() => undefined);
    queryClient.clear();
    await navigate('/sign-in', { replace: true });
  };
  return (
    <AuthLayout
      title="Set up two-step sign-in"
      subtitle={`${me.organization.name} asks every ${me.role === 'admin' ? 'admin' : 'member'} to confirm sign-ins with a code from their phone. It takes a minute.`}
    >
      <TotpSetup onDone={() => void queryClient.invalidateQueries({ queryKey: meQueryKey })} />
      <Text size="sm" c="dimmed">
        Signed in as {me.user.email}.{' '}
        <Anchor component="button" type="button" size="sm" onClick={() => void signOut()}>
          Sign out
        </Anchor>
      </Text>
    </AuthLayout>
  );
}
