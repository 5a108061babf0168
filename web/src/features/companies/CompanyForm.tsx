import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import type { Company } from '../../api/types';
import { FormAlert } from '../../ui/FormAlert';
import { blankToNull, showFieldErrors } from '../../ui/forms';
import { CustomFieldInputs, newRecordValues, useCustomFields } from '../customFields';
import { useSaveCompany } from './queries';

interface Props {
  opened: boolean;
  onClose: () => void;
  company?: Company;
  onSaved?: (company: Company) => void;
}

export function CompanyForm({ opened, onClose, company, onSaved }: Props) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={company ? 'Edit company' : 'New company'}
      closeOnClickOutside={false}
    >
      {opened && <CompanyFields company={company} onDone={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function CompanyFields({
  company,
  onDone,
  onSaved,
}: {
  company?: Company;
  onDone: () => void;
  onSaved?: (c: Company) => void;
}) {
  const save = useSaveCompany(company?.id);
  // A new record needs its required custom fields (the server refuses it
  // without them); the others are filled in on the record's page.
  const fields = useCustomFields('company').data ?? [];
  const required = company ? [] : fields.filter((f) => f.required);
  const form = useForm({
    initialValues: {
      name: company?.name ?? '',
      domain: company?.domain ?? '',
      phone: company?.phone ?? '',
      custom_fields: {},
    },
  });
  const submit = form.onSubmit((v) =>
    save.mutate(
      {
        name: v.name.trim(),
        domain: blankToNull(v.domain),
        phone: blankToNull(v.phone),
        owner_id: company?.owner_id ?? null,
        ...(company ? {} : { custom_fields: newRecordValues(required, v.custom_fields) }),
      },
      {
        onSuccess: (saved) => {
          if (onSaved) onSaved(saved);
          else onDone();
        },
        onError: (error) => showFieldErrors(form, error),
      },
    ),
  );
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput label="Name" required data-autofocus {...form.getInputProps('name')} />
        <TextInput
          label="Web domain"
          placeholder="acme.com"
          description="Unique in your organization."
          {...form.getInputProps('domain')}
        />
        <TextInput label="Phone" type="tel" {...form.getInputProps('phone')} />
        {required.length > 0 && <CustomFieldInputs fields={required} getInputProps={form.getInputProps} />}
        <FormAlert error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {company ? 'Save changes' : 'Create company'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
