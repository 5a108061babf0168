import { Button, Checkbox, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { oneOf, typedCurrency } from '../../api/types';
import { useSession } from '../../app/session';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { blankOptionErrors, newRow, optionsBody, type OptionRow } from './options';
import { OptionsEditor } from './OptionsEditor';
import { useFieldMutations } from './queries';
import {
  customEntities,
  fieldTypes,
  hasOptions,
  keyFromLabel,
  type CustomEntity,
  type FieldType,
} from './values';

interface Props {
  entity: CustomEntity;
  opened: boolean;
  onClose: () => void;
  /** Where the new field goes: after the others. */
  position: number;
}

export function AddFieldDialog({ entity, opened, onClose, position }: Props) {
  const one = customEntities.find((e) => e.value === entity)?.one ?? entity;
  return (
    <Modal opened={opened} onClose={onClose} title={`New ${one} field`} closeOnClickOutside={false}>
      {opened && <AddFieldForm entity={entity} position={position} onDone={onClose} />}
    </Modal>
  );
}

interface Values {
  label: string;
  key: string;
  type: FieldType;
  options: OptionRow[];
  currency: string;
  required: boolean;
}

function AddFieldForm({
  entity,
  position,
  onDone,
}: {
  entity: CustomEntity;
  position: number;
  onDone: () => void;
}) {
  const { create } = useFieldMutations(entity);
  const currency = useSession().organization.default_currency;
  // The key follows the label until the person types a key of their own.
  const [keyTouched, setKeyTouched] = useState(false);
  const form = useForm<Values>({
    initialValues: { label: '', key: '', type: 'text', options: [newRow()], currency, required: false },
    validate: (v) => ({
      label: v.label.trim() === '' ? 'Give the field a name' : null,
      key: /^[a-z][a-z0-9_]{0,39}$/.test(v.key) ? null : 'A lower-case letter, then letters, digits or _',
      ...(hasOptions(v.type) ? blankOptionErrors(v.options) : {}),
    }),
  });
  const select = hasOptions(form.values.type);
  const submit = form.onSubmit((v) =>
    create.mutate(
      {
        entity,
        key: v.key,
        label: v.label.trim(),
        type: v.type,
        required: v.required,
        position,
        ...(hasOptions(v.type) ? { options: optionsBody(v.options) } : {}),
        ...(v.type === 'currency' ? { currency: typedCurrency(v.currency) } : {}),
      },
      {
        onSuccess: (field) => {
          notifications.show({ color: 'green', message: `Field “${field.label}” added` });
          onDone();
        },
        onError: (error) => showFieldErrors(form, error),
      },
    ),
  );
  const labelProps = form.getInputProps('label');
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput
          label="Label"
          placeholder="e.g. Tier"
          required
          data-autofocus
          {...labelProps}
          onChange={(event) => {
            const label = event.currentTarget.value;
            form.setFieldValue('label', label);
            if (!keyTouched) form.setFieldValue('key', keyFromLabel(label));
          }}
        />
        <TextInput
          label="Key"
          description="Names the field in filters, CSV imports and the API. It cannot change later."
          required
          styles={{ input: { fontFamily: 'monospace' } }}
          {...form.getInputProps('key')}
          onChange={(event) => {
            setKeyTouched(true);
            form.setFieldValue('key', event.currentTarget.value);
          }}
        />
        <Select
          label="Type"
          data={fieldTypes.map((t) => ({ ...t }))}
          allowDeselect={false}
          value={form.values.type}
          error={form.errors.type}
          onChange={(v) =>
            form.setFieldValue(
              'type',
              oneOf(
                fieldTypes.map((t) => t.value),
                v,
                'text',
              ),
            )
          }
        />
        {select && (
          <OptionsEditor
            rows={form.values.options}
            inputProps={(i) => form.getInputProps(`options.${i}.label`)}
            error={form.errors.options}
            onAdd={() => form.insertListItem('options', newRow())}
            onRemove={(i) => form.removeListItem('options', i)}
          />
        )}
        {form.values.type === 'currency' && (
          <TextInput
            label="Currency of the amounts"
            placeholder="EUR"
            maxLength={3}
            w={220}
            required
            {...form.getInputProps('currency')}
          />
        )}
        <Checkbox
          label="Required"
          description="A new record cannot be saved without it."
          {...form.getInputProps('required', { type: 'checkbox' })}
        />
        <FormAlert error={create.error} title="Could not add the field" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Add field
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
