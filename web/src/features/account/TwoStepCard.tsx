import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { send, unwrap } from '../../api/result';
import { meQueryKey } from '../../app/session';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';
import { TotpSetup } from './TotpSetup';

const mfaQueryKey = ['auth', 'mfa'] as const;

/** Two-step sign-in on the account page: its state, setting it up, turning it off. */
export function TwoStepCard() {
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: mfaQueryKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/auth/mfa', { signal })),
  });
  // On from the moment the first code is accepted, while the recovery codes show.
  const [justEnabled, setJustEnabled] = useState(false);
  const enabled = (status.data?.enabled ?? false) || justEnabled;
  const refresh = async () => {
    setJustEnabled(false);
    await queryClient.invalidateQueries({ queryKey: mfaQueryKey });
    await queryClient.invalidateQueries({ queryKey: meQueryKey });
  };

  return (
    <Card withBorder>
      <Group gap="xs" mb={4}>
        <Title order={3} size="h4">
          Two-step sign-in
        </Title>
        {status.data && (
          <Badge color={enabled ? 'green' : 'gray'} variant="light">
            {enabled ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      <Text size="sm" c="dimmed" mb="sm">
        After your password, Clearview asks for a code from an app on your phone, so a stolen password alone
        cannot open your account.
      </Text>
      {status.isPending && <LoadingRows rows={2} />}
      {status.isError && (
        <ErrorState error={status.error} what="two-step sign-in" onRetry={() => void status.refetch()} />
      )}
      {status.data &&
        (status.data.enabled ? (
          <TurnOff
            required={status.data.required}
            codesLeft={status.data.recovery_codes_left}
            onDone={refresh}
          />
        ) : (
          <TotpSetup onDone={() => void refresh()} onConfirmed={() => setJustEnabled(true)} />
        ))}
    </Card>
  );
}

function TurnOff({
  required,
  codesLeft,
  onDone,
}: {
  required: boolean;
  codesLeft: number;
  onDone: () => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const form = useForm({ initialValues: { password: '', code: '' } });
  const turnOff = useMutation({
    mutationFn: (v: typeof form.values) => {
      // A recovery code has a dash or letters; an app code is six digits.
      const code = v.code.trim();
      const answer = /^\d[\d ]*$/.test(code) ? { code } : { recovery_code: code };
      return send(api.POST('/api/auth/mfa/totp/disable', { body: { password: v.password, ...answer } }));
    },
    onSuccess: async () => {
      notifications.show({ color: 'green', message: 'Two-step sign-in is off' });
      form.reset();
      setOpen(false);
      await onDone();
    },
    onError: (error) => showFieldErrors(form, error),
  });

  return (
    <Stack gap="sm">
      <Text size="sm">
        {codesLeft} of 10 recovery codes left.
        {codesLeft <= 3 && ' Running low: turn two-step sign-in off and on again for a new set.'}
      </Text>
      {required ? (
        <Alert color="blue">Your organization requires two-step sign-in, so it cannot be turned off.</Alert>
      ) : !open ? (
        <Button w="fit-content" variant="light" color="red" onClick={() => setOpen(true)}>
          Turn off…
        </Button>
      ) : (
        <form onSubmit={form.onSubmit((v) => turnOff.mutate(v))} noValidate>
          <Stack gap="sm" maw={360}>
            <PasswordInput
              label="Your password"
              autoComplete="current-password"
              required
              {...form.getInputProps('password')}
            />
            <TextInput
              label="A code from your app, or a recovery code"
              autoComplete="one-time-code"
              required
              {...form.getInputProps('code')}
              error={form.errors.code ?? form.errors.recovery_code}
            />
            <FormAlert error={turnOff.error} title="Could not turn it off" />
            <Group>
              <Button type="submit" color="red" loading={turnOff.isPending}>
                Turn off two-step sign-in
              </Button>
              <Button variant="default" onClick={() => setOpen(false)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
