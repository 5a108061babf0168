import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import type { ReactNode } from 'react';

interface Props {
  /** The secret to show; `null` keeps the dialog closed. */
  secret: string | null;
  title: string;
  /** What the secret is called, e.g. "API key", "signing secret". */
  label: string;
  /** How to use it, shown under the secret. */
  usage: ReactNode;
  /** What to do if it is lost, e.g. "revoke this key and create another". */
  ifLost: string;
  onClose: () => void;
}

/** A secret the server shows once (it keeps only a digest or a sealed copy). */
export function SecretDialog({ secret, title, label, usage, ifLost, onClose }: Props) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title={title} size="lg">
      <Stack>
        <Alert color="red" icon={<IconKey />} title="Copy it now">
          This is the only time the {label} is shown. Store it in your integration&apos;s secret settings; if
          it is lost, {ifLost}.
        </Alert>
        <Code block aria-label={`New ${label}`} style={{ wordBreak: 'break-all' }}>
          {secret}
        </Code>
        <Text size="sm" c="dimmed">
          {usage}
        </Text>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ''}>
            {({ copied, copy }) => (
              <Button variant="light" onClick={copy}>
                {copied ? 'Copied' : `Copy ${label}`}
              </Button>
            )}
          </CopyButton>
          <Button onClick={onClose}>Done</Button>
        </Group>
      </Stack>
    </Modal>
  );
}
