import { Anchor, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { isProblem } from '../../api/problem';
import { send } from '../../api/result';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { sentence } from '../../ui/sentence';
import { AuthLayout } from './AuthLayout';
import { MissingToken } from './MissingToken';
import { useToken } from './useToken';

export function ResetPasswordPage() {
  const token = useToken();
  const form = useForm({
    initialValues: { password: '', confirm: '' },
    validate: {
      password: (v) => (v.length < 10 ? 'Use at least 10 characters' : null),
      confirm: (v, values) => (v !== values.password ? 'The passwords differ' : null),
    },
  });
  const confirm = useMutation({
    mutationFn: (password: string) =>
      send(api.POST('/api/auth/password-reset/confirm', { body: { token, password } })),
    onError: (error) => showFieldErrors(form, error),
  });

  if (confirm.isSuccess) {
    return (
      <AuthLayout title="Password changed">
        <Text>Your new password is set. For your safety, every session of your account was signed out.</Text>
        <Button component={Link} to="/sign-in">
          Sign in
        </Button>
      </AuthLayout>
    );
  }
  const tokenError = isProblem(confirm.error) ? confirm.error.fieldErrors().token : undefined;
  return (
    <AuthLayout title="Choose a new password">
      {!token ? (
        <MissingToken what="password reset" />
      ) : (
        <form onSubmit={form.onSubmit((v) => confirm.mutate(v.password))} noValidate>
          <Stack gap="sm">
            <PasswordInput
              label="New password"
              description="At least 10 characters."
              autoComplete="new-password"
              required
              autoFocus
              {...form.getInputProps('password')}
            />
            <PasswordInput
              label="Repeat the new password"
              autoComplete="new-password"
              required
              {...form.getInputProps('confirm')}
            />
            {tokenError && (
              <Text c="red" size="sm" role="alert">
                {sentence(tokenError)}{' '}
                <Anchor component={Link} to="/forgot-password">
                  Ask for a new link
                </Anchor>
              </Text>
            )}
            {!tokenError && <FormAlert error={confirm.error} title="Could not change the password" />}
            <Button type="submit" loading={confirm.isPending} fullWidth>
              Set new password
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
