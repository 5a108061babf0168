import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Image,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconShieldCheck } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import type { TotpEnrollment } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';

/** The server's QR code (an SVG document) as an image source. */
function svgSource(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/**
 * Setting up an authenticator app: a QR code (and the key as text), then
 * a first code to prove the app holds it, then the ten recovery codes,
 * shown this once. `onDone` runs once they have been acknowledged.
 */
export function TotpSetup({
  onDone,
  onConfirmed,
}: {
  onDone: () => void;
  /** Two-step sign-in is on (the recovery codes are being shown). */
  onConfirmed?: () => void;
}) {
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const form = useForm({ initialValues: { code: '' } });
  const start = useMutation({
    mutationFn: () => unwrap(api.POST('/api/auth/mfa/totp')),
    onSuccess: setEnrollment,
  });
  const confirm = useMutation({
    mutationFn: (code: string) => unwrap(api.POST('/api/auth/mfa/totp/confirm', { body: { code } })),
    onSuccess: (answer) => {
      setCodes(answer.recovery_codes);
      onConfirmed?.();
    },
    onError: (error) => showFieldErrors(form, error),
  });

  if (codes) return <RecoveryCodes codes={codes} onDone={onDone} />;
  if (!enrollment) {
    return (
      <Stack gap="sm">
        <Text size="sm">
          You will need an authenticator app on your phone, such as Google Authenticator, Microsoft
          Authenticator, 1Password or Authy.
        </Text>
        <FormAlert error={start.error} title="Could not start" />
        <Group>
          <Button
            leftSection={<IconShieldCheck size={16} />}
            loading={start.isPending}
            onClick={() => start.mutate()}
          >
            Set up two-step sign-in
          </Button>
        </Group>
      </Stack>
    );
  }
  return (
    <form onSubmit={form.onSubmit((v) => confirm.mutate(v.code.trim()))} noValidate>
      <Stack gap="sm">
        <Text size="sm">
          <b>1.</b> In your authenticator app, add an account and scan this code.
        </Text>
        <Image
          src={svgSource(enrollment.qr_svg)}
          alt="QR code to add Clearview to your authenticator app"
          w={200}
          h={200}
        />
        <Text size="sm" c="dimmed">
          Cannot scan? Enter this key in the app instead:
        </Text>
        <Code aria-label="Setup key" style={{ wordBreak: 'break-all' }}>
          {enrollment.secret.replace(/(.{4})/g, '$1 ').trim()}
        </Code>
        <Text size="sm">
          <b>2.</b> Type the 6-digit code the app now shows for Clearview.
        </Text>
        <TextInput
          label="Code from the app"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          required
          maw={220}
          {...form.getInputProps('code')}
        />
        <FormAlert error={confirm.error} title="Could not turn it on" />
        <Group>
          <Button type="submit" loading={confirm.isPending}>
            Turn on
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const text = codes.join('\n');
  return (
    <Stack gap="sm">
      <Alert color="green" title="Two-step sign-in is on">
        From now on, signing in asks for a code from your app after your password.
      </Alert>
      <Text size="sm" fw={500}>
        Save these recovery codes somewhere safe. If you lose your phone, each one signs you in once. This is
        the only time they are shown.
      </Text>
      <SimpleGrid cols={2} spacing={4} aria-label="Recovery codes" maw={320}>
        {codes.map((code) => (
          <Code key={code} ta="center" fz="sm">
            {code}
          </Code>
        ))}
      </SimpleGrid>
      <Group>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button variant="light" onClick={copy}>
              {copied ? 'Copied' : 'Copy codes'}
            </Button>
          )}
        </CopyButton>
        <Button onClick={onDone}>I have saved them</Button>
      </Group>
    </Stack>
  );
}
