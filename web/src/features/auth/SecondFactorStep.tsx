import { Alert, Anchor, Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { isProblem } from '../../api/problem';
import { unwrap } from '../../api/result';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { useSignedIn } from './useSignedIn';

/**
 * The second step of a sign-in: the password was right and the server set a
 * short-lived challenge cookie; a code from the authenticator app (or a
 * recovery code) completes it. `onRestart` goes back to the password.
 */
export function SecondFactorStep({ onRestart }: { onRestart: () => void }) {
  const signedIn = useSignedIn();
  const [recovery, setRecovery] = useState(false);
  const form = useForm({ initialValues: { code: '', recovery_code: '' } });
  const verify = useMutation({
    mutationFn: (v: typeof form.values) =>
      unwrap(
        api.POST('/api/auth/mfa/verify', {
          body: recovery ? { recovery_code: v.recovery_code.trim() } : { code: v.code.trim() },
        }),
      ),
    onSuccess: signedIn,
    onError: (error) => {
      form.setFieldValue(recovery ? 'recovery_code' : 'code', '');
      showFieldErrors(form, error);
    },
  });

  if (isProblem(verify.error, 401)) {
    return (
      <Stack gap="sm">
        <Alert color="orange" role="alert" title="Sign in again">
          This step lasts five minutes and allows five tries. Enter your password again to get a new one.
        </Alert>
        <Button onClick={onRestart}>Back to sign in</Button>
      </Stack>
    );
  }
  return (
    <form onSubmit={form.onSubmit((v) => verify.mutate(v))} noValidate>
      <Stack gap="sm">
        {recovery ? (
          <TextInput
            label="Recovery code"
            description="One of the ten codes you saved when you set up two-step sign-in. Each works once."
            autoComplete="off"
            required
            autoFocus
            {...form.getInputProps('recovery_code')}
          />
        ) : (
          <TextInput
            label="Code from your authenticator app"
            description="Open the app and type the 6-digit code it shows for Clearview."
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={7}
            required
            autoFocus
            {...form.getInputProps('code')}
          />
        )}
        {verify.isError && !isProblem(verify.error, 422) && (
          <FormAlert error={verify.error} title="Could not sign in" />
        )}
        <Button type="submit" loading={verify.isPending} fullWidth>
          Verify and sign in
        </Button>
        <Group justify="space-between">
          <Anchor component="button" type="button" size="sm" onClick={() => setRecovery(!recovery)}>
            {recovery ? 'Use the authenticator app instead' : 'Lost your phone? Use a recovery code'}
          </Anchor>
          <Anchor component="button" type="button" size="sm" onClick={onRestart}>
            Start over
          </Anchor>
        </Group>
        <Text size="xs" c="dimmed">
          Codes change every 30 seconds and each works once.
        </Text>
      </Stack>
    </form>
  );
}
