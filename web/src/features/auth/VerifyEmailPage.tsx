import { Anchor, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { isProblem } from '../../api/problem';
import { unwrap } from '../../api/result';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { sentence } from '../../ui/sentence';
import { AuthLayout } from './AuthLayout';
import { MissingToken } from './MissingToken';
import { useSignedIn } from './useSignedIn';
import { useToken } from './useToken';

/** The sign-up confirmation link: the password chosen at sign-up proves it is the same person. */
export function VerifyEmailPage() {
  const token = useToken();
  const signedIn = useSignedIn();
  const form = useForm({ initialValues: { password: '' } });
  const verify = useMutation({
    mutationFn: (password: string) =>
      unwrap(api.POST('/api/auth/verify-email', { body: { token, password } })),
    onSuccess: signedIn,
    onError: (error) => showFieldErrors(form, error),
  });
  const tokenError = isProblem(verify.error) ? verify.error.fieldErrors().token : undefined;

  return (
    <AuthLayout title="Confirm your e-mail" subtitle="Enter the password you chose when you signed up.">
      {!token ? (
        <MissingToken what="confirmation" />
      ) : (
        <form onSubmit={form.onSubmit((v) => verify.mutate(v.password))} noValidate>
          <Stack gap="sm">
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              autoFocus
              {...form.getInputProps('password')}
            />
            {tokenError ? (
              <Text c="red" size="sm" role="alert">
                {sentence(tokenError)}{' '}
                <Anchor component={Link} to="/sign-up">
                  Sign up again
                </Anchor>
              </Text>
            ) : (
              <FormAlert error={verify.error} title="Could not confirm" />
            )}
            {isProblem(verify.error, 409) && (
              <Anchor component={Link} to="/sign-in" size="sm">
                Go to sign in
              </Anchor>
            )}
            <Button type="submit" loading={verify.isPending} fullWidth>
              Confirm and open Clearview
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
