import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Table,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { IconArrowDown, IconArrowUp, IconEdit, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { oneOf, type Pipeline, type Stage, type StageKind } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { usePipelineMutations } from './pipelineMutations';
import { stageKinds } from './stageKinds';

function EditStage({ pipeline, stage, onDone }: { pipeline: Pipeline; stage: Stage; onDone: () => void }) {
  const { updateStage } = usePipelineMutations();
  const form = useForm<{ name: string; probability: number; kind: StageKind }>({
    initialValues: {
      name: stage.name,
      probability: stage.probability,
      kind: oneOf(
        stageKinds.map((k) => k.value),
        stage.kind,
        'open',
      ),
    },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((body) =>
        updateStage.mutate(
          { pipelineId: pipeline.id, stageId: stage.id, body },
          { onSuccess: onDone, onError: (e) => showFieldErrors(form, e) },
        ),
      )}
    >
      <Stack gap="sm">
        <TextInput label="Name" required data-autofocus {...form.getInputProps('name')} />
        <NumberInput label="Win probability (%)" min={0} max={100} {...form.getInputProps('probability')} />
        <Select label="Kind" data={stageKinds} allowDeselect={false} {...form.getInputProps('kind')} />
        <FormAlert error={updateStage.error} />
        <Group justify="flex-end">
          <Button type="submit" loading={updateStage.isPending}>
            Save stage
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function DeleteStage({ pipeline, stage, onDone }: { pipeline: Pipeline; stage: Stage; onDone: () => void }) {
  const { deleteStage } = usePipelineMutations();
  const [moveTo, setMoveTo] = useState<string | null>(null);
  return (
    <Stack gap="sm">
      <Select
        label="Move its deals to"
        description="Needed only when the stage holds deals."
        clearable
        data={pipeline.stages.filter((s) => s.id !== stage.id).map((s) => ({ value: s.id, label: s.name }))}
        value={moveTo}
        onChange={setMoveTo}
      />
      <Group justify="flex-end">
        <Button
          color="red"
          loading={deleteStage.isPending}
          onClick={() =>
            deleteStage.mutate({ pipelineId: pipeline.id, stageId: stage.id, moveTo }, { onSuccess: onDone })
          }
        >
          Delete stage
        </Button>
      </Group>
    </Stack>
  );
}

export function StageRow({
  pipeline,
  stage,
  index,
  canEdit,
}: {
  pipeline: Pipeline;
  stage: Stage;
  index: number;
  canEdit: boolean;
}) {
  const { reorder } = usePipelineMutations();
  const [editing, edit] = useDisclosure(false);
  const [deleting, del] = useDisclosure(false);
  const ids = pipeline.stages.map((s) => s.id);
  const move = (delta: number) => {
    const next = [...ids];
    const [item] = next.splice(index, 1);
    if (!item) return;
    next.splice(index + delta, 0, item);
    reorder.mutate({ pipelineId: pipeline.id, stageIds: next });
  };
  return (
    <Table.Tr>
      <Table.Td>{stage.name}</Table.Td>
      <Table.Td>{stage.probability} %</Table.Td>
      <Table.Td>
        <Badge
          variant="light"
          color={stage.kind === 'won' ? 'green' : stage.kind === 'lost' ? 'red' : 'gray'}
        >
          {stage.kind}
        </Badge>
      </Table.Td>
      {canEdit && (
        <Table.Td>
          <Group gap={4} justify="flex-end" wrap="nowrap">
            <ActionIcon
              variant="subtle"
              aria-label={`Move ${stage.name} up`}
              disabled={index === 0}
              onClick={() => move(-1)}
            >
              <IconArrowUp size={16} />
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              aria-label={`Move ${stage.name} down`}
              disabled={index === ids.length - 1}
              onClick={() => move(1)}
            >
              <IconArrowDown size={16} />
            </ActionIcon>
            <ActionIcon variant="subtle" aria-label={`Edit ${stage.name}`} onClick={edit.open}>
              <IconEdit size={16} />
            </ActionIcon>
            <ActionIcon variant="subtle" color="red" aria-label={`Delete ${stage.name}`} onClick={del.open}>
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
          <Modal opened={editing} onClose={edit.close} title={`Edit stage “${stage.name}”`}>
            {editing && <EditStage pipeline={pipeline} stage={stage} onDone={edit.close} />}
          </Modal>
          <Modal opened={deleting} onClose={del.close} title={`Delete stage “${stage.name}”?`}>
            {deleting && <DeleteStage pipeline={pipeline} stage={stage} onDone={del.close} />}
          </Modal>
        </Table.Td>
      )}
    </Table.Tr>
  );
}
