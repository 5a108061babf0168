import { Anchor, Badge, Button, Card, Grid, Group, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { IconEdit } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useOwnerName } from '../../app/members';
import { usePermissions } from '../../app/session';
import { formatDate } from '../../ui/dates';
import { ErrorState } from '../../ui/ErrorState';
import { MoveToTrashButton } from '../trash';
import { LoadingRows } from '../../ui/LoadingRows';
import { Money } from '../../ui/Money';
import { LogActivity, Timeline } from '../activities';
import { CompanyLink } from '../companies';
import { CustomFieldsCard } from '../customFields';
import { NewDealButton } from '../deals';
import { ContactForm } from './ContactForm';
import { useContact, useContactDeals } from './queries';

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function ContactDeals({ id }: { id: string }) {
  const deals = useContactDeals(id);
  if (deals.isPending) return <LoadingRows rows={2} />;
  if (deals.isError)
    return <ErrorState error={deals.error} what="deals" onRetry={() => void deals.refetch()} />;
  if (deals.data.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No deals with this contact yet.
      </Text>
    );
  return (
    <Table aria-label="Deals of this contact">
      <Table.Tbody>
        {deals.data.data.map((d) => (
          <Table.Tr key={d.id}>
            <Table.Td>
              <Anchor component={Link} to={`/deals/${d.id}`}>
                {d.title}
              </Anchor>
            </Table.Td>
            <Table.Td ta="right">
              <Money amount={d.amount} currency={d.currency} />
            </Table.Td>
            <Table.Td>
              <Badge
                variant="light"
                color={d.status === 'won' ? 'green' : d.status === 'lost' ? 'red' : 'blue'}
              >
                {d.status}
              </Badge>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function ContactPage() {
  const { id = '' } = useParams();
  const contact = useContact(id);
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();
  const [editing, setEditing] = useState(false);

  if (contact.isPending) return <LoadingRows rows={8} />;
  if (contact.isError)
    return <ErrorState error={contact.error} what="this contact" onRetry={() => void contact.refetch()} />;
  const c = contact.data;
  const owner = { kind: 'contact' as const, id: c.id };

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Anchor component={Link} to="/contacts" size="sm">
            ← Contacts
          </Anchor>
          <Title order={2}>
            {c.first_name} {c.last_name}
          </Title>
          {c.title && <Text c="dimmed">{c.title}</Text>}
        </div>
        {canEdit && (
          <Group gap="xs">
            <Button variant="default" leftSection={<IconEdit size={16} />} onClick={() => setEditing(true)}>
              Edit
            </Button>
            <MoveToTrashButton
              target={{ kind: 'contact', id: c.id, label: `${c.first_name} ${c.last_name}` }}
            />
          </Group>
        )}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack>
            <Card withBorder>
              <Stack gap="sm">
                <Field label="E-mail">
                  {c.email ? <Anchor href={`mailto:${c.email}`}>{c.email}</Anchor> : '—'}
                </Field>
                <Field label="Phone">
                  {c.phone ? <Anchor href={`tel:${c.phone}`}>{c.phone}</Anchor> : '—'}
                </Field>
                <Field label="Company">
                  <CompanyLink id={c.company_id} />
                </Field>
                <Field label="Owner">{ownerName(c.owner_id)}</Field>
                <Field label="Added">{formatDate(c.created_at)}</Field>
              </Stack>
            </Card>
            <CustomFieldsCard entity="contact" recordId={c.id} values={c.custom_fields} />
            <Card withBorder>
              <Group justify="space-between" mb="xs">
                <Title order={4}>Deals</Title>
                {canEdit && <NewDealButton contactIds={[c.id]} companyId={c.company_id} />}
              </Group>
              <ContactDeals id={c.id} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder>
            {canEdit && (
              <Tabs defaultValue="log" mb="md">
                <Tabs.List>
                  <Tabs.Tab value="log">Log activity</Tabs.Tab>
                  <Tabs.Tab value="task">Add task</Tabs.Tab>
                </Tabs.List>
                <Tabs.Panel value="log" pt="sm">
                  <LogActivity owner={owner} />
                </Tabs.Panel>
                <Tabs.Panel value="task" pt="sm">
                  <LogActivity owner={owner} defaultKind="task" />
                </Tabs.Panel>
              </Tabs>
            )}
            <Title order={4} mb="sm">
              Activity
            </Title>
            <Timeline owner={owner} />
          </Card>
        </Grid.Col>
      </Grid>
      <ContactForm opened={editing} onClose={() => setEditing(false)} contact={c} />
    </Stack>
  );
}
