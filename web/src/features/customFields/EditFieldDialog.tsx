import { Alert, Button, Checkbox, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import type { CustomField } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { blankOptionErrors, newRow, optionsBody, removedOptions, rowsOf, type OptionRow } from './options';
import { OptionsEditor } from './OptionsEditor';
import { useFieldMutations } from './queries';
import { customEntities, hasOptions, typeName, type CustomEntity } from './values';

interface Props {
  entity: CustomEntity;
  field: CustomField | null;
  onClose: () => void;
}

export function EditFieldDialog({ entity, field, onClose }: Props) {
  return (
    <Modal
      opened={field !== null}
      onClose={onClose}
      title={field ? `Edit field “${field.label}”` : ''}
      closeOnClickOutside={false}
    >
      {field && <EditFieldForm entity={entity} field={field} onDone={onClose} />}
    </Modal>
  );
}

function EditFieldForm({
  entity,
  field,
  onDone,
}: {
  entity: CustomEntity;
  field: CustomField;
  onDone: () => void;
}) {
  const { update } = useFieldMutations(entity);
  const select = hasOptions(field.type);
  const form = useForm<{ label: string; options: OptionRow[]; required: boolean }>({
    initialValues: { label: field.label, options: rowsOf(field.options), required: field.required },
    validate: (v) => ({
      label: v.label.trim() === '' ? 'Give the field a name' : null,
      ...(select ? blankOptionErrors(v.options) : {}),
    }),
  });
  const removed = select ? removedOptions(field.options, form.values.options) : [];
  const plural = customEntities.find((e) => e.value === entity)?.label.toLowerCase() ?? entity;
  const submit = form.onSubmit((v) =>
    update.mutate(
      {
        id: field.id,
        body: {
          label: v.label.trim(),
          required: v.required,
          ...(select ? { options: optionsBody(v.options) } : {}),
        },
      },
      {
        onSuccess: (saved) => {
          notifications.show({ color: 'green', message: `Field “${saved.label}” saved` });
          onDone();
        },
        onError: (error) => showFieldErrors(form, error),
      },
    ),
  );
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {typeName(field.type)}
          {field.currency ? ` in ${field.currency}` : ''} · key <code>{field.key}</code> (cannot change)
        </Text>
        <TextInput label="Label" required data-autofocus {...form.getInputProps('label')} />
        {select && (
          <OptionsEditor
            rows={form.values.options}
            inputProps={(i) => form.getInputProps(`options.${i}.label`)}
            error={form.errors.options}
            onAdd={() => form.insertListItem('options', newRow())}
            onRemove={(i) => form.removeListItem('options', i)}
          />
        )}
        {select && (
          <Text size="xs" c="dimmed">
            Renaming an option keeps it on every record that has it.
          </Text>
        )}
        {removed.length > 0 && (
          <Alert color="orange" title="Removed options are cleared from records">
            {removed.map((o) => `“${o.label}”`).join(', ')} will be removed from every one of your {plural}{' '}
            that has {removed.length === 1 ? 'it' : 'them'}. This cannot be undone.
          </Alert>
        )}
        <Checkbox
          label="Required"
          description="New records need a value; existing ones cannot clear it."
          {...form.getInputProps('required', { type: 'checkbox' })}
        />
        <FormAlert error={update.error} title="Could not save the field" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" color={removed.length > 0 ? 'orange' : undefined} loading={update.isPending}>
            {removed.length > 0 ? 'Save and clear removed options' : 'Save field'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
