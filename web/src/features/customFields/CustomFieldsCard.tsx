import { Anchor, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconEdit } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import type { CustomField } from '../../api/types';
import { usePermissions } from '../../app/session';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';
import { CustomFieldInputs } from './CustomFieldInputs';
import { useCustomFields, useSaveCustomValues } from './queries';
import { changedValues, customEntities, displayValue, inputValues, type CustomEntity } from './values';

interface Props {
  entity: CustomEntity;
  recordId: string;
  values: Record<string, unknown>;
}

function Value({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ whiteSpace: 'pre-wrap' }}>
        {children}
      </Text>
    </div>
  );
}

function EditValues({
  entity,
  recordId,
  values,
  fields,
  onDone,
}: Props & { fields: CustomField[]; onDone: () => void }) {
  const save = useSaveCustomValues(entity, recordId);
  const initial = inputValues(fields, values);
  const form = useForm({ initialValues: { custom_fields: initial } });
  const submit = form.onSubmit((v) => {
    const changes = changedValues(fields, initial, v.custom_fields);
    if (Object.keys(changes).length === 0) {
      onDone();
      return;
    }
    save.mutate(changes, {
      onSuccess: () => {
        notifications.show({ color: 'green', message: 'Custom fields saved' });
        onDone();
      },
      onError: (error) => showFieldErrors(form, error),
    });
  });
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <CustomFieldInputs fields={fields} getInputProps={form.getInputProps} />
        <FormAlert error={save.error} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" size="xs" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" size="xs" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** A record page's custom fields: their values, and a form to change them. */
export function CustomFieldsCard(props: Props) {
  const fields = useCustomFields(props.entity);
  const { canEdit, isAdmin } = usePermissions();
  const [editing, setEditing] = useState(false);
  if (fields.isSuccess && fields.data.length === 0) {
    if (!isAdmin) return null;
    const one = customEntities.find((e) => e.value === props.entity)?.one ?? props.entity;
    return (
      <Text size="sm" c="dimmed">
        Need to track more about each {one}?{' '}
        <Anchor component={Link} to="/settings/custom-fields" size="sm" underline="always">
          Add custom fields in Settings
        </Anchor>
        .
      </Text>
    );
  }
  return (
    <Card withBorder component="section" aria-label="Custom fields">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Custom fields</Title>
        {canEdit && fields.isSuccess && !editing && (
          <Button
            size="xs"
            variant="subtle"
            leftSection={<IconEdit size={14} />}
            aria-label="Edit custom fields"
            onClick={() => setEditing(true)}
          >
            Edit
          </Button>
        )}
      </Group>
      {fields.isPending ? (
        <LoadingRows rows={2} />
      ) : fields.isError ? (
        <ErrorState error={fields.error} what="custom fields" onRetry={() => void fields.refetch()} />
      ) : editing ? (
        <EditValues {...props} fields={fields.data} onDone={() => setEditing(false)} />
      ) : (
        <Stack gap="sm">
          {fields.data.map((f) => (
            <Value key={f.id} label={f.label}>
              {displayValue(f, props.values[f.key])}
            </Value>
          ))}
        </Stack>
      )}
    </Card>
  );
}
