import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useState } from 'react';

interface Props {
  dealTitle: string | null;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
}

/** Asks why a deal was lost before it moves to a lost stage. */
export function LostReasonModal({ dealTitle, onCancel, onConfirm }: Props) {
  const [reason, setReason] = useState('');
  return (
    <Modal opened={dealTitle !== null} onClose={onCancel} title={`Mark “${dealTitle ?? ''}” as lost`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(reason.trim());
          setReason('');
        }}
      >
        <Stack>
          <TextInput
            label="Why was it lost?"
            description="Optional, but it helps the team learn (e.g. price, timing, competitor)."
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel}>
              Cancel
            </Button>
            <Button type="submit" color="red">
              Mark lost
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
