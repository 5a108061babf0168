import {
  ActionIcon,
  Button,
  Code,
  Group,
  Modal,
  SegmentedControl,
  Stack,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconEdit, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { describeError } from '../../api/problem';
import { oneOf, type CustomField } from '../../api/types';
import { useSetParam } from '../../app/useSetParam';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { AddFieldDialog } from './AddFieldDialog';
import { EditFieldDialog } from './EditFieldDialog';
import { MoveButtons } from './MoveButtons';
import { moved, nextPosition } from './order';
import { useCustomFields, useFieldMutations } from './queries';
import { customEntities, hasOptions, typeName, type CustomEntity } from './values';

function details(field: CustomField): string {
  if (hasOptions(field.type)) return field.options.map((o) => o.label).join(', ');
  if (field.currency) return `Amounts in ${field.currency}`;
  return '—';
}

function DeleteField({
  entity,
  field,
  onClose,
}: {
  entity: CustomEntity;
  field: CustomField | null;
  onClose: () => void;
}) {
  const { remove } = useFieldMutations(entity);
  const plural = customEntities.find((e) => e.value === entity)?.label.toLowerCase() ?? entity;
  return (
    <Modal opened={field !== null} onClose={onClose} title={`Delete the field “${field?.label ?? ''}”?`}>
      <Stack>
        <Text size="sm">
          Every value of this field is deleted from all your {plural}. This cannot be undone.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => {
              if (!field) return;
              remove.mutate(field, {
                onSuccess: () => {
                  notifications.show({ color: 'green', message: `Field “${field.label}” deleted` });
                  onClose();
                },
                onError: (error) =>
                  notifications.show({
                    color: 'red',
                    title: 'Could not delete the field',
                    message: describeError(error),
                  }),
              });
            }}
          >
            Delete field and values
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Settings → Custom fields (admins): the extra fields of contacts, companies and deals. */
export function CustomFieldsPanel() {
  const [params] = useSearchParams();
  const setParam = useSetParam();
  const entity = oneOf(
    customEntities.map((e) => e.value),
    params.get('entity'),
    'contact',
  );
  const fields = useCustomFields(entity);
  const { reorder } = useFieldMutations(entity);
  const move = (index: number, delta: -1 | 1) => {
    const before = fields.data ?? [];
    reorder.mutate(
      { before, after: moved(before, index, delta) },
      {
        onError: (error) =>
          notifications.show({
            color: 'red',
            title: 'Could not move the field',
            message: describeError(error),
          }),
      },
    );
  };
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<CustomField | null>(null);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const plural = customEntities.find((e) => e.value === entity)?.label.toLowerCase() ?? entity;

  return (
    <Stack maw={1000}>
      <Text size="sm" c="dimmed">
        Extra fields your team fills in on each record. They show on the record&apos;s page in this order, and
        lists can show them as columns.
      </Text>
      <Group justify="space-between">
        <SegmentedControl
          aria-label="Fields of"
          data={customEntities.map((e) => ({ value: e.value, label: e.label }))}
          value={entity}
          onChange={(v) => setParam('entity', v === 'contact' ? null : v)}
        />
        <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
          Add field
        </Button>
      </Group>
      {fields.isPending ? (
        <LoadingRows rows={4} />
      ) : fields.isError ? (
        <ErrorState error={fields.error} what="custom fields" onRetry={() => void fields.refetch()} />
      ) : fields.data.length === 0 ? (
        <Empty title={`No custom fields for ${plural} yet`}>
          Add one for what your team tracks beyond the usual details, e.g. a tier or a renewal date.
        </Empty>
      ) : (
        <Table striped aria-label={`Custom fields of ${plural}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Label</Table.Th>
              <Table.Th>Key</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Required</Table.Th>
              <Table.Th>Options</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {fields.data.map((f, index) => (
              <Table.Tr key={f.id}>
                <Table.Td fw={500}>{f.label}</Table.Td>
                <Table.Td>
                  <Code>{f.key}</Code>
                </Table.Td>
                <Table.Td>{typeName(f.type)}</Table.Td>
                <Table.Td>{f.required ? 'Yes' : 'No'}</Table.Td>
                <Table.Td maw={280}>{details(f)}</Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end" wrap="nowrap">
                    <MoveButtons
                      label={f.label}
                      index={index}
                      count={fields.data.length}
                      busy={reorder.isPending}
                      onMove={(delta) => move(index, delta)}
                    />
                    <ActionIcon variant="subtle" aria-label={`Edit ${f.label}`} onClick={() => setEditing(f)}>
                      <IconEdit size={16} />
                    </ActionIcon>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Delete ${f.label}`}
                      onClick={() => setDeleting(f)}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <AddFieldDialog
        entity={entity}
        opened={adding}
        onClose={() => setAdding(false)}
        position={nextPosition(fields.data ?? [])}
      />
      <EditFieldDialog entity={entity} field={editing} onClose={() => setEditing(null)} />
      <DeleteField entity={entity} field={deleting} onClose={() => setDeleting(null)} />
    </Stack>
  );
}
