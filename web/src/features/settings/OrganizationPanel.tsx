import { oneOf, typedCurrency, type MfaRequirement, type RepVisibility } from '../../api/types';
import { Button, Group, Select, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';
import { meQueryKey, usePermissions, useSession } from '../../app/session';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';

export function OrganizationPanel() {
  const me = useSession();
  const { isAdmin } = usePermissions();
  const queryClient = useQueryClient();
  const org = me.organization;
  const form = useForm({
    initialValues: {
      name: org.name,
      rep_visibility: oneOf<RepVisibility>(['all', 'own'], org.rep_visibility, 'all'),
      default_currency: typedCurrency(org.default_currency),
      mfa_required: oneOf<MfaRequirement>(['off', 'admins', 'everyone'], org.mfa_required, 'off'),
    },
  });
  const save = useMutation({
    mutationFn: (body: typeof form.values) =>
      unwrap(api.PATCH('/api/organizations/{id}', { params: { path: { id: org.id } }, body })),
    onSuccess: async () => {
      notifications.show({ color: 'green', message: 'Organization saved' });
      form.resetDirty();
      await queryClient.invalidateQueries({ queryKey: meQueryKey });
    },
    onError: (error) => showFieldErrors(form, error),
  });

  return (
    <form
      onSubmit={form.onSubmit((v) =>
        save.mutate({ ...v, default_currency: typedCurrency(v.default_currency) }),
      )}
      noValidate
    >
      <Stack maw={480} gap="sm">
        <TextInput label="Name" required disabled={!isAdmin} {...form.getInputProps('name')} />
        <Select
          label="What reps can see"
          disabled={!isAdmin}
          allowDeselect={false}
          data={[
            { value: 'all', label: 'Every record of the organization' },
            { value: 'own', label: 'Only the records they own' },
          ]}
          {...form.getInputProps('rep_visibility')}
        />
        <TextInput
          label="Default currency"
          description="ISO code for new deals, e.g. EUR or USD."
          maxLength={3}
          disabled={!isAdmin}
          {...form.getInputProps('default_currency')}
        />
        <Select
          label="Two-step sign-in"
          description="Members it applies to who have not set it up are asked to, at their next sign-in."
          disabled={!isAdmin}
          allowDeselect={false}
          data={[
            { value: 'off', label: 'Each person decides' },
            { value: 'admins', label: 'Required for admins' },
            { value: 'everyone', label: 'Required for everyone' },
          ]}
          {...form.getInputProps('mfa_required')}
        />
        <FormAlert error={save.error} />
        {isAdmin && (
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
              Save
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
