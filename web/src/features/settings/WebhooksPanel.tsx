import type { Webhook, WebhookCreated, WebhookDelivery } from '../../api/types';
import {
  Badge,
  Button,
  Code,
  Group,
  Modal,
  MultiSelect,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { useAction } from '../../api/useAction';
import { send, unwrap } from '../../api/result';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDateTime } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';
import { SecretDialog } from '../../ui/SecretDialog';

const eventGroups = [
  { group: 'Contacts', items: ['contact.created', 'contact.updated', 'contact.deleted'] },
  { group: 'Companies', items: ['company.created', 'company.updated', 'company.deleted'] },
  {
    group: 'Deals',
    items: ['deal.created', 'deal.updated', 'deal.deleted', 'deal.stage_changed', 'deal.won', 'deal.lost'],
  },
  { group: 'Other', items: ['activity.created', 'import.finished'] },
];

const stateColors: Record<string, string> = { delivered: 'green', pending: 'blue', failed: 'red' };

function CreateWebhookForm({ onCreated }: { onCreated: (hook: WebhookCreated) => void }) {
  const queryClient = useQueryClient();
  const form = useForm<{ url: string; events: string[] }>({ initialValues: { url: '', events: [] } });
  const create = useMutation({
    mutationFn: (v: { url: string; events: string[] }) =>
      unwrap(api.POST('/api/webhooks', { body: { url: v.url.trim(), events: v.events } })),
    onSuccess: (hook) => {
      form.reset();
      onCreated(hook);
      return queryClient.invalidateQueries({ queryKey: ['webhooks'] });
    },
    onError: (error) => showFieldErrors(form, error),
  });
  return (
    <form onSubmit={form.onSubmit((v) => create.mutate(v))} noValidate>
      <Stack gap="xs">
        <Group align="flex-start">
          <TextInput
            label="Endpoint URL"
            placeholder="https://example.com/clearview-hook"
            required
            w={340}
            {...form.getInputProps('url')}
          />
          <MultiSelect
            label="Events"
            placeholder={form.values.events.length === 0 ? 'Pick events' : undefined}
            data={eventGroups}
            required
            searchable
            w={340}
            {...form.getInputProps('events')}
          />
          <Button type="submit" mt={25} loading={create.isPending}>
            Add endpoint
          </Button>
        </Group>
        <FormAlert error={create.error} title="Could not add the endpoint" />
      </Stack>
    </form>
  );
}

function Deliveries({ hook, onClose }: { hook: Webhook | null; onClose: () => void }) {
  const log = useQuery({
    queryKey: ['webhooks', 'deliveries', hook?.id],
    enabled: hook !== null,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: hook?.id ?? '' } }, signal })),
    select: (l) => l.data,
    refetchInterval: 5000,
  });
  const redeliver = useAction({
    run: (d: WebhookDelivery) =>
      unwrap(
        api.POST('/api/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { id: d.webhook_id, delivery_id: d.id } },
        }),
      ),
    done: 'Queued to send again',
    failed: 'Could not send again',
    refresh: ['webhooks', 'deliveries'],
  });
  return (
    <Modal opened={hook !== null} onClose={onClose} title={`Deliveries to ${hook?.url ?? ''}`} size="64rem">
      {log.isPending ? (
        <LoadingRows rows={4} />
      ) : log.isError ? (
        <ErrorState error={log.error} what="deliveries" onRetry={() => void log.refetch()} />
      ) : log.data.length === 0 ? (
        <Empty title="Nothing sent yet">Deliveries appear here as soon as a subscribed event happens.</Empty>
      ) : (
        <Table aria-label="Deliveries">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Event</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Attempts</Table.Th>
              <Table.Th>Answer</Table.Th>
              <Table.Th>Last attempt</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {log.data.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>
                  <Code>{d.event_type}</Code>
                </Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={stateColors[d.state] ?? 'gray'}
                    style={{ overflow: 'visible' }}
                  >
                    {d.state}
                  </Badge>
                </Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
                <Table.Td>
                  {d.response_code ?? d.error ?? '—'}
                  {d.latency_ms !== null && d.latency_ms !== undefined && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      in {d.latency_ms} ms
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatDateTime(d.last_attempt_at)}</Table.Td>
                <Table.Td ta="right">
                  <Button
                    size="xs"
                    variant="subtle"
                    loading={redeliver.isPending && redeliver.variables.id === d.id}
                    onClick={() => redeliver.mutate(d)}
                  >
                    Send again
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Modal>
  );
}

/** Admins: endpoints that receive signed events, and what was sent to each. */
export function WebhooksPanel() {
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const [open, setOpen] = useState<Webhook | null>(null);
  const hooks = useQuery({
    queryKey: ['webhooks'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/webhooks', { signal })),
    select: (l) => l.data,
  });
  const remove = useAction({
    run: (id: string) => send(api.DELETE('/api/webhooks/{id}', { params: { path: { id } } })),
    done: 'Endpoint removed',
    failed: 'Could not remove',
    refresh: ['webhooks'],
  });
  const enable = useAction({
    run: (id: string) => unwrap(api.POST('/api/webhooks/{id}/enable', { params: { path: { id } } })),
    done: 'Endpoint turned on again',
    failed: 'Could not turn it on',
    refresh: ['webhooks'],
  });
  const rotate = useAction({
    run: (id: string) => unwrap(api.POST('/api/webhooks/{id}/rotate-secret', { params: { path: { id } } })),
    done: 'New signing secret made; the old one works for 24 hours more',
    failed: 'Could not make a new secret',
    refresh: ['webhooks'],
  });

  return (
    <Stack>
      <Text size="sm" maw={720}>
        Webhooks tell your other systems when something changes here. Each event is sent as a signed POST
        (Standard Webhooks), retried for about a day if your endpoint is down, and listed under Deliveries.
      </Text>
      <CreateWebhookForm onCreated={setCreated} />
      <SecretDialog
        secret={created?.secret ?? null}
        title={`Signing secret for ${created?.url ?? ''}`}
        label="signing secret"
        ifLost="make another with New secret (the old one keeps working for 24 hours)"
        usage="Verify each request's webhook-signature header with it, using any Standard Webhooks library."
        onClose={() => setCreated(null)}
      />
      <Deliveries hook={open} onClose={() => setOpen(null)} />
      <Title order={4}>Endpoints</Title>
      {hooks.isPending ? (
        <LoadingRows rows={3} />
      ) : hooks.isError ? (
        <ErrorState error={hooks.error} what="webhooks" onRetry={() => void hooks.refetch()} />
      ) : hooks.data.length === 0 ? (
        <Empty title="No endpoints yet">Add one above to start sending events.</Empty>
      ) : (
        <Table aria-label="Webhook endpoints">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>URL</Table.Th>
              <Table.Th>Events</Table.Th>
              <Table.Th>Added</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {hooks.data.map((h) => (
              <Table.Tr key={h.id}>
                <Table.Td>
                  {/* A long URL may break anywhere; the sentence under it may not. */}
                  <Text span size="sm" style={{ wordBreak: 'break-all' }}>
                    {h.url}
                  </Text>
                  {h.disabled_at && (
                    <Text size="xs" c="red.8">
                      Turned off {formatDateTime(h.disabled_at)} after {h.failure_streak} failed attempts in a
                      row
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {h.events.map((e) => (
                      <Badge key={e} variant="light" tt="none">
                        {e}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{formatDateTime(h.created_at)}</Table.Td>
                <Table.Td ta="right">
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    {h.disabled_at && (
                      <Button
                        size="xs"
                        color="green"
                        loading={enable.isPending}
                        onClick={() => enable.mutate(h.id)}
                      >
                        Turn on
                      </Button>
                    )}
                    <Button size="xs" variant="light" onClick={() => setOpen(h)}>
                      Deliveries
                    </Button>
                    <ConfirmButton
                      size="xs"
                      variant="subtle"
                      question={`Make a new signing secret for ${h.url}?`}
                      detail="For 24 hours deliveries are signed with both secrets, so your endpoint can switch without missing any."
                      confirmLabel="Make a new secret"
                      onConfirm={() => rotate.mutate(h.id, { onSuccess: setCreated })}
                    >
                      New secret
                    </ConfirmButton>
                    <ConfirmButton
                      size="xs"
                      variant="subtle"
                      color="red"
                      question={`Remove the endpoint ${h.url}?`}
                      detail="Nothing more is sent to it, and its delivery log is deleted."
                      confirmLabel="Remove"
                      onConfirm={() => remove.mutate(h.id)}
                    >
                      Remove
                    </ConfirmButton>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
