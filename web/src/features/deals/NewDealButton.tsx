import { Button } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { DealForm } from './DealForm';
import { usePipelines } from './queries';

/** "New deal" on a contact or company page: the deal starts linked to it, in the default pipeline. */
export function NewDealButton({
  contactIds,
  companyId,
}: {
  contactIds?: string[];
  companyId?: string | null;
}) {
  const [opened, setOpened] = useState(false);
  const pipelines = usePipelines();
  const pipeline = pipelines.data?.find((p) => p.is_default) ?? pipelines.data?.[0];
  if (!pipeline) return null;
  return (
    <>
      <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setOpened(true)}>
        New deal
      </Button>
      <DealForm
        opened={opened}
        onClose={() => setOpened(false)}
        pipeline={pipeline}
        preset={{ contactIds, companyId }}
      />
    </>
  );
}
