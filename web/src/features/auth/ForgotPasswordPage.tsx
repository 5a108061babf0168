import { Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { send } from '../../api/result';
import { FormAlert } from '../../ui/FormAlert';
import { AuthLayout } from './AuthLayout';

export function ForgotPasswordPage() {
  const form = useForm({ initialValues: { email: '' } });
  const request = useMutation({
    mutationFn: (email: string) => send(api.POST('/api/auth/password-reset', { body: { email } })),
  });

  if (request.isSuccess) {
    return (
      <AuthLayout title="Check your e-mail">
        <Text>
          If <b>{form.values.email.trim()}</b> has a Clearview account, a link to choose a new password is on
          its way.
        </Text>
        <Anchor component={Link} to="/sign-in" size="sm">
          Back to sign in
        </Anchor>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Reset your password" subtitle="We will e-mail you a link to choose a new one.">
      <form onSubmit={form.onSubmit((v) => request.mutate(v.email.trim()))} noValidate>
        <Stack gap="sm">
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="email"
            required
            autoFocus
            {...form.getInputProps('email')}
          />
          <FormAlert error={request.error} title="Could not send the link" />
          <Button type="submit" loading={request.isPending} fullWidth>
            Send reset link
          </Button>
          <Anchor component={Link} to="/sign-in" size="sm" ta="center">
            Back to sign in
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}
