import { Alert, Anchor, Button, Group, PasswordInput, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { isProblem } from '../../api/problem';
import { unwrap } from '../../api/result';
import { needsSecondFactor } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { AuthLayout } from './AuthLayout';
import { organizationChoices, type OrganizationChoice } from './organizations';
import { SecondFactorStep } from './SecondFactorStep';
import { ssoErrorMessage } from './ssoErrors';
import { useSignedIn } from './useSignedIn';

export function SignInPage() {
  const signedIn = useSignedIn();
  const [params] = useSearchParams();
  // Single sign-on comes back here with its refusal, or with a second
  // factor to answer (the challenge cookie is already set).
  const ssoError = ssoErrorMessage(params.get('sso_error'));
  const [choices, setChoices] = useState<OrganizationChoice[] | null>(null);
  const [secondStep, setSecondStep] = useState(params.get('second_factor') === '1');
  const form = useForm({ initialValues: { email: '', password: '', organization_id: '' } });

  const login = useMutation({
    mutationFn: (v: typeof form.values) =>
      unwrap(
        api.POST('/api/auth/login', {
          body: { email: v.email.trim(), password: v.password, organization_id: v.organization_id || null },
        }),
      ),
    onSuccess: (answer) => (needsSecondFactor(answer) ? setSecondStep(true) : signedIn(answer)),
    onError: (error) => {
      const orgs = organizationChoices(error);
      if (orgs) {
        setChoices(orgs);
        form.setFieldValue('organization_id', orgs[0]?.organization_id ?? '');
      } else showFieldErrors(form, error);
    },
  });

  const choosing = choices !== null && choices.length > 0;
  if (secondStep) {
    return (
      <AuthLayout
        title="Two-step sign-in"
        subtitle={form.values.email.trim() ? `Signing in as ${form.values.email.trim()}.` : undefined}
      >
        <SecondFactorStep
          onRestart={() => {
            setSecondStep(false);
            login.reset();
            form.setFieldValue('password', '');
          }}
        />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Sign in" subtitle="Welcome back to Clearview.">
      <form onSubmit={form.onSubmit((v) => login.mutate(v))} noValidate>
        <Stack gap="sm">
          {ssoError && (
            <Alert color="red" role="alert" title="Single sign-on did not sign you in">
              {ssoError}
            </Alert>
          )}
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            required
            autoFocus
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            {...form.getInputProps('password')}
          />
          {choosing && (
            <Radio.Group
              label="Organization"
              description="You belong to several organizations. Which one do you want to open?"
              {...form.getInputProps('organization_id')}
            >
              <Stack gap={6} mt={6}>
                {choices.map((c) => (
                  <Radio key={c.organization_id} value={c.organization_id} label={c.name} />
                ))}
              </Stack>
            </Radio.Group>
          )}
          {isProblem(login.error, 401) ? (
            <Alert color="red" role="alert" title="Could not sign in">
              Wrong e-mail or password.
            </Alert>
          ) : (
            login.isError &&
            !organizationChoices(login.error) && <FormAlert error={login.error} title="Could not sign in" />
          )}
          <Button type="submit" loading={login.isPending} fullWidth>
            {choosing ? 'Continue' : 'Sign in'}
          </Button>
          <Group justify="space-between">
            <Anchor component={Link} to="/forgot-password" size="sm">
              Forgot your password?
            </Anchor>
            <Text size="sm">
              New here?{' '}
              <Anchor component={Link} to="/sign-up">
                Create an organization
              </Anchor>
            </Text>
          </Group>
        </Stack>
      </form>
    </AuthLayout>
  );
}
