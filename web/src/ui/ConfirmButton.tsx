import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';

interface Props extends ButtonProps {
  /** What the dialog asks, e.g. "Remove Ada from the organization?" */
  question: string;
  detail?: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  children: ReactNode;
}

/** A destructive action that asks first (focus stays trapped in the dialog). */
export function ConfirmButton({ question, detail, confirmLabel, onConfirm, children, ...button }: Props) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button {...button} onClick={open}>
        {children}
      </Button>
      <Modal opened={opened} onClose={close} title={question}>
        <Stack>
          {detail && <Text size="sm">{detail}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              Cancel
            </Button>
            <Button
              color="red"
              onClick={() => {
                close();
                onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
