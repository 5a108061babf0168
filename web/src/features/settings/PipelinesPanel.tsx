import {
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import type { Pipeline, StageKind } from '../../api/types';
import { usePermissions } from '../../app/session';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';
import { usePipelineMutations } from './pipelineMutations';
import { StageRow } from './StageRow';
import { stageKinds } from './stageKinds';

function AddStage({ pipeline }: { pipeline: Pipeline }) {
  const { addStage } = usePipelineMutations();
  const form = useForm<{ name: string; probability: number; kind: StageKind }>({
    initialValues: { name: '', probability: 50, kind: 'open' },
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((v) =>
        addStage.mutate(
          { pipelineId: pipeline.id, body: { ...v, name: v.name.trim() } },
          { onSuccess: () => form.reset(), onError: (e) => showFieldErrors(form, e) },
        ),
      )}
    >
      <Group align="flex-start" gap="xs">
        <TextInput label="New stage" placeholder="Demo scheduled" {...form.getInputProps('name')} />
        <NumberInput
          label="Probability (%)"
          min={0}
          max={100}
          w={130}
          {...form.getInputProps('probability')}
        />
        <Select
          label="Kind"
          data={stageKinds}
          allowDeselect={false}
          w={110}
          {...form.getInputProps('kind')}
        />
        <Button type="submit" mt={25} variant="light" loading={addStage.isPending}>
          Add stage
        </Button>
      </Group>
      <FormAlert error={addStage.error} />
    </form>
  );
}

function NewPipeline() {
  const { create } = usePipelineMutations();
  const form = useForm({ initialValues: { name: '' } });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((v) =>
        create.mutate(v.name.trim(), {
          onSuccess: () => form.reset(),
          onError: (e) => showFieldErrors(form, e),
        }),
      )}
    >
      <Group align="flex-start">
        <TextInput
          label="New pipeline"
          description="Starts with five usual stages; edit them after."
          {...form.getInputProps('name')}
        />
        <Button type="submit" mt={45} loading={create.isPending}>
          Create pipeline
        </Button>
      </Group>
      <FormAlert error={create.error} />
    </form>
  );
}

export function PipelinesPanel() {
  const { canManage } = usePermissions();
  const { makeDefault } = usePipelineMutations();
  const pipelines = useQuery({
    queryKey: ['pipelines'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/pipelines', { signal })),
    select: (l) => l.data,
  });
  if (pipelines.isPending) return <LoadingRows rows={5} />;
  if (pipelines.isError)
    return <ErrorState error={pipelines.error} what="pipelines" onRetry={() => void pipelines.refetch()} />;
  return (
    <Stack>
      {pipelines.data.length === 0 && <Empty title="No pipelines yet" />}
      {pipelines.data.map((p) => (
        <Card withBorder key={p.id}>
          <Group justify="space-between" mb="xs">
            <Group gap="xs">
              <Title order={4}>{p.name}</Title>
              {p.is_default && <Badge>Default</Badge>}
            </Group>
            {canManage && !p.is_default && (
              <Button size="xs" variant="subtle" onClick={() => makeDefault.mutate(p.id)}>
                Make default
              </Button>
            )}
          </Group>
          <Table aria-label={`Stages of ${p.name}`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Stage</Table.Th>
                <Table.Th>Probability</Table.Th>
                <Table.Th>Kind</Table.Th>
                {canManage && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {p.stages.map((s, i) => (
                <StageRow key={s.id} pipeline={p} stage={s} index={i} canEdit={canManage} />
              ))}
            </Table.Tbody>
          </Table>
          {canManage && <AddStage pipeline={p} />}
        </Card>
      ))}
      {canManage && <NewPipeline />}
    </Stack>
  );
}
