import { Anchor, Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { Link } from 'react-router';
import { ApiProblem } from '../../api/problem';
import type { Contact } from '../../api/types';
import { useMembers } from '../../app/members';
import { usePermissions } from '../../app/session';
import { FormAlert } from '../../ui/FormAlert';
import { blankToNull, showFieldErrors } from '../../ui/forms';
import { CompanySelect } from '../companies';
import { CustomFieldInputs, newRecordValues, useCustomFields } from '../customFields';
import { useSaveContact } from './queries';

interface Props {
  opened: boolean;
  onClose: () => void;
  contact?: Contact;
  onSaved?: (contact: Contact) => void;
}

export function ContactForm({ opened, onClose, contact, onSaved }: Props) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={contact ? 'Edit contact' : 'New contact'}
      size="lg"
      closeOnClickOutside={false}
    >
      {/* Mounted only while open, so each opening starts from the record. */}
      {opened && <ContactFields contact={contact} onDone={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function ContactFields({
  contact,
  onDone,
  onSaved,
}: {
  contact?: Contact;
  onDone: () => void;
  onSaved?: (contact: Contact) => void;
}) {
  const save = useSaveContact(contact?.id);
  const { canManage } = usePermissions();
  const members = useMembers();
  // A new record needs its required custom fields (the server refuses it
  // without them); the others are filled in on the record's page.
  const fields = useCustomFields('contact').data ?? [];
  const required = contact ? [] : fields.filter((f) => f.required);
  const form = useForm({
    initialValues: {
      first_name: contact?.first_name ?? '',
      last_name: contact?.last_name ?? '',
      email: contact?.email ?? '',
      phone: contact?.phone ?? '',
      title: contact?.title ?? '',
      company_id: contact?.company_id ?? null,
      owner_id: contact?.owner_id ?? null,
      custom_fields: {},
    },
  });

  const existing = save.error instanceof ApiProblem ? save.error.body.existing_id : undefined;
  const existingId = typeof existing === 'string' ? existing : null;

  const submit = form.onSubmit((v) =>
    save.mutate(
      {
        first_name: v.first_name.trim(),
        last_name: v.last_name.trim(),
        email: blankToNull(v.email),
        phone: blankToNull(v.phone),
        title: blankToNull(v.title),
        company_id: v.company_id,
        owner_id: v.owner_id,
        ...(contact ? {} : { custom_fields: newRecordValues(required, v.custom_fields) }),
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
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="First name" required data-autofocus {...form.getInputProps('first_name')} />
          <TextInput label="Last name" required {...form.getInputProps('last_name')} />
          <TextInput label="E-mail" type="email" {...form.getInputProps('email')} />
          <TextInput label="Phone" type="tel" {...form.getInputProps('phone')} />
          <TextInput label="Job title" {...form.getInputProps('title')} />
          <CompanySelect
            value={form.values.company_id}
            onChange={(id) => form.setFieldValue('company_id', id)}
            error={form.errors.company_id}
          />
          {canManage && (
            <Select
              label="Owner"
              placeholder="Me"
              clearable
              data={(members.data ?? []).map((m) => ({ value: m.user_id, label: m.name }))}
              {...form.getInputProps('owner_id')}
            />
          )}
        </SimpleGrid>
        {required.length > 0 && (
          <CustomFieldInputs fields={required} getInputProps={form.getInputProps} cols={2} />
        )}
        <FormAlert error={save.error} />
        {existingId && (
          <Anchor component={Link} to={`/contacts/${existingId}`} size="sm" onClick={onDone}>
            Open the contact that already has this e-mail
          </Anchor>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {contact ? 'Save changes' : 'Create contact'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
