import { Anchor, Button, PasswordInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api/client';
import { ApiProblem, isProblem } from '../../api/problem';
import { unwrap } from '../../api/result';
import { needsSecondFactor } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { sentence } from '../../ui/sentence';
import { AuthLayout } from './AuthLayout';
import { MissingToken } from './MissingToken';
import { SecondFactorStep } from './SecondFactorStep';
import { useSignedIn } from './useSignedIn';
import { useToken } from './useToken';

type Mode = 'new' | 'existing';

/**
 * A new address needs a name and a password; an address that already has an
 * account needs that account's password. The server says which by naming
 * the missing field in a 422, so the form switches to match.
 */
export function AcceptInvitationPage() {
  const token = useToken();
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  const [mode, setMode] = useState<Mode>('new');
  const [secondStep, setSecondStep] = useState(false);
  const form = useForm({ initialValues: { name: '', password: '' } });

  const accept = useMutation({
    mutationFn: (v: typeof form.values) =>
      unwrap(
        api.POST('/api/invitations/accept', {
          body: { token, password: v.password, name: mode === 'new' ? v.name.trim() : null },
        }),
      ),
    onSuccess: (answer) => (needsSecondFactor(answer) ? setSecondStep(true) : signedIn(answer)),
    onError: (error) => {
      // An address without an account must give a name: switch to that form.
      if (error instanceof ApiProblem && 'name' in error.fieldErrors()) setMode('new');
      showFieldErrors(form, error);
    },
  });

  const tokenError = isProblem(accept.error) ? accept.error.fieldErrors().token : undefined;
  if (secondStep) {
    // Joined; the existing account has two-step sign-in, so a code completes it.
    return (
      <AuthLayout title="Two-step sign-in" subtitle="You joined the organization. Confirm it is you.">
        <SecondFactorStep onRestart={() => void navigate('/sign-in')} />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Join your team on Clearview" subtitle="You were invited to an organization.">
      {!token ? (
        <MissingToken what="invitation" />
      ) : (
        <form onSubmit={form.onSubmit((v) => accept.mutate(v))} noValidate>
          <Stack gap="sm">
            <div>
              <Text size="sm" fw={500} id="account-kind">
                Do you already have a Clearview account with this e-mail?
              </Text>
              <SegmentedControl
                aria-labelledby="account-kind"
                fullWidth
                mt={4}
                value={mode}
                onChange={(v) => {
                  setMode(v === 'existing' ? 'existing' : 'new');
                  form.clearErrors();
                }}
                data={[
                  { value: 'new', label: 'No, create one' },
                  { value: 'existing', label: 'Yes, I have one' },
                ]}
              />
            </div>
            {mode === 'new' && (
              <TextInput label="Your name" autoComplete="name" required {...form.getInputProps('name')} />
            )}
            <PasswordInput
              label={mode === 'new' ? 'Choose a password' : 'Password of your account'}
              description={mode === 'new' ? 'At least 10 characters.' : undefined}
              autoComplete={mode === 'new' ? 'new-password' : 'current-password'}
              required
              {...form.getInputProps('password')}
            />
            {tokenError && (
              <Text c="red" size="sm" role="alert">
                {sentence(tokenError)} Ask the person who invited you to send a new invitation.
              </Text>
            )}
            {!tokenError && <FormAlert error={accept.error} title="Could not accept the invitation" />}
            <Button type="submit" loading={accept.isPending} fullWidth>
              Accept and sign in
            </Button>
            {mode === 'existing' && (
              <Anchor component={Link} to="/forgot-password" size="sm" ta="center">
                Forgot the password?
              </Anchor>
            )}
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
