import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { send } from '../../api/result';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { AuthLayout } from './AuthLayout';

export function SignUpPage() {
  const form = useForm({
    initialValues: { organization_name: '', name: '', email: '', password: '' },
    validate: {
      password: (v) => (v.length < 10 ? 'Use at least 10 characters' : null),
    },
  });
  const register = useMutation({
    mutationFn: (v: typeof form.values) =>
      send(api.POST('/api/auth/register', { body: { ...v, email: v.email.trim() } })),
    onError: (error) => showFieldErrors(form, error),
  });

  if (register.isSuccess) {
    return (
      <AuthLayout title="Check your e-mail">
        <Text>
          We sent a link to <b>{form.values.email.trim()}</b>. Open it to confirm the address and create{' '}
          <b>{form.values.organization_name}</b>.
        </Text>
        <Text size="sm" c="dimmed">
          You will be asked for the password you just chose. Nothing arrived after a few minutes? Check the
          spam folder, or{' '}
          <Anchor component="button" type="button" onClick={() => register.reset()}>
            try again
          </Anchor>
          .
        </Text>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title="Create your organization" subtitle="Start a Clearview workspace for your sales team.">
      <form onSubmit={form.onSubmit((v) => register.mutate(v))} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Organization name"
            required
            autoFocus
            {...form.getInputProps('organization_name')}
          />
          <TextInput label="Your name" autoComplete="name" required {...form.getInputProps('name')} />
          <TextInput
            label="Work e-mail"
            type="email"
            autoComplete="email"
            required
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            description="At least 10 characters."
            autoComplete="new-password"
            required
            {...form.getInputProps('password')}
          />
          <FormAlert error={register.error} title="Could not sign up" />
          <Button type="submit" loading={register.isPending} fullWidth>
            Create organization
          </Button>
          <Text size="sm" ta="center">
            Already have an account?{' '}
            <Anchor component={Link} to="/sign-in">
              Sign in
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}
