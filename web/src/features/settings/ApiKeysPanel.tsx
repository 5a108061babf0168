import type { ApiKey, ApiKeyCreated, Role } from '../../api/types';
import { Badge, Button, Code, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useAction } from '../../api/useAction';
import { send, unwrap } from '../../api/result';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { SecretDialog } from '../../ui/SecretDialog';
import { formatDate, formatRelative } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';

const roles: { value: Role; label: string }[] = [
  { value: 'admin', label: 'Admin' },
  { value: 'manager', label: 'Manager' },
  { value: 'rep', label: 'Rep' },
  { value: 'viewer', label: 'Viewer' },
];

const scopes = [
  { value: 'write', label: 'Read and write' },
  { value: 'read', label: 'Read only' },
];

/** Lifetimes offered, in days; empty: the key never expires. */
const lifetimes = [
  { value: '', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
];

interface KeyForm {
  name: string;
  role: Role;
  scope: 'read' | 'write';
  lifetime: string;
}

function CreateKeyForm({ onCreated }: { onCreated: (key: ApiKeyCreated) => void }) {
  const queryClient = useQueryClient();
  const form = useForm<KeyForm>({ initialValues: { name: '', role: 'rep', scope: 'write', lifetime: '' } });
  const create = useMutation({
    mutationFn: (v: KeyForm) =>
      unwrap(
        api.POST('/api/api-keys', {
          body: {
            name: v.name.trim(),
            role: v.role,
            scope: v.scope,
            expires_in_days: v.lifetime === '' ? null : Number(v.lifetime),
          },
        }),
      ),
    onSuccess: (key) => {
      form.reset();
      onCreated(key);
      return queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
    onError: (error) => showFieldErrors(form, error),
  });
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate(v))} noValidate>
      <Stack gap="xs">
        <Group align="flex-start">
          <TextInput
            label="Name"
            placeholder="e.g. Zapier, data warehouse"
            required
            w={240}
            {...form.getInputProps('name')}
          />
          <Select label="Role" data={roles} allowDeselect={false} w={130} {...form.getInputProps('role')} />
          <Select
            label="Access"
            data={scopes}
            allowDeselect={false}
            w={160}
            {...form.getInputProps('scope')}
          />
          <Select
            label="Expires"
            data={lifetimes}
            allowDeselect={false}
            w={130}
            {...form.getInputProps('lifetime')}
          />
          <Button type="submit" mt={25} loading={create.isPending}>
            Create key
          </Button>
        </Group>
        <FormAlert error={create.error} title="Could not create the key" />
      </Stack>
    </form>
  );
}

function KeyRow({ apiKey, onRevoke }: { apiKey: ApiKey; onRevoke: (id: string) => void }) {
  return (
    <Table.Tr>
      <Table.Td>
        {apiKey.name}
        {!apiKey.created_by && (
          <Text size="xs" c="red.8">
            Stopped: the admin who made it left
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Badge variant="light">{apiKey.role}</Badge>
      </Table.Td>
      <Table.Td>{apiKey.scope === 'read' ? 'Read only' : 'Read and write'}</Table.Td>
      <Table.Td>
        <Code>{apiKey.hint}</Code>
      </Table.Td>
      <Table.Td>{apiKey.last_used_at ? formatRelative(apiKey.last_used_at) : 'Never'}</Table.Td>
      <Table.Td>{apiKey.expires_at ? formatDate(apiKey.expires_at) : 'Never'}</Table.Td>
      <Table.Td ta="right">
        <ConfirmButton
          size="xs"
          variant="subtle"
          color="red"
          question={`Revoke the key “${apiKey.name}”?`}
          detail="Anything using it stops working at once."
          confirmLabel="Revoke"
          onConfirm={() => onRevoke(apiKey.id)}
        >
          Revoke
        </ConfirmButton>
      </Table.Td>
    </Table.Tr>
  );
}

/** Admins: the organization's API keys for integrations. */
export function ApiKeysPanel() {
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/api-keys', { signal })),
    select: (l) => l.data,
  });
  const revoke = useAction({
    run: (id: string) => send(api.DELETE('/api/api-keys/{id}', { params: { path: { id } } })),
    done: 'Key revoked',
    failed: 'Could not revoke',
    refresh: ['api-keys'],
  });

  return (
    <Stack>
      <Text size="sm" maw={720}>
        API keys let other systems use Clearview&apos;s API. A key acts for the admin who created it, with the
        role and access you give it, and stops working if that admin leaves or stops being an admin.
      </Text>
      <CreateKeyForm onCreated={setCreated} />
      <SecretDialog
        secret={created?.secret ?? null}
        title={`API key “${created?.name ?? ''}” created`}
        label="API key"
        ifLost="revoke this key and create another"
        usage={
          <>
            Send it with every request as <Code>Authorization: Bearer &lt;key&gt;</Code>.
          </>
        }
        onClose={() => setCreated(null)}
      />
      <Title order={4}>Keys</Title>
      {keys.isPending ? (
        <LoadingRows rows={3} />
      ) : keys.isError ? (
        <ErrorState error={keys.error} what="API keys" onRetry={() => void keys.refetch()} />
      ) : keys.data.length === 0 ? (
        <Empty title="No API keys yet">Create one above for each system that should reach your data.</Empty>
      ) : (
        <Table aria-label="API keys">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Access</Table.Th>
              <Table.Th>Key</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.data.map((k) => (
              <KeyRow key={k.id} apiKey={k} onRevoke={(id) => revoke.mutate(id)} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
