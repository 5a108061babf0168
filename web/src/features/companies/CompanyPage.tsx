import { Anchor, Badge, Button, Card, Grid, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconEdit } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useOwnerName } from '../../app/members';
import { usePermissions } from '../../app/session';
import { ErrorState } from '../../ui/ErrorState';
import { MoveToTrashButton } from '../trash';
import { LoadingRows } from '../../ui/LoadingRows';
import { Money } from '../../ui/Money';
import { LogActivity, Timeline } from '../activities';
import { CustomFieldsCard } from '../customFields';
import { NewDealButton } from '../deals';
import { CompanyForm } from './CompanyForm';
import { useCompany, useCompanyContacts, useCompanyDeals } from './queries';

function People({ id }: { id: string }) {
  const contacts = useCompanyContacts(id);
  if (contacts.isPending) return <LoadingRows rows={3} />;
  if (contacts.isError)
    return <ErrorState error={contacts.error} what="contacts" onRetry={() => void contacts.refetch()} />;
  if (contacts.data.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No contacts at this company yet.
      </Text>
    );
  return (
    <Stack gap={4}>
      {contacts.data.data.map((c) => (
        <Anchor key={c.id} component={Link} to={`/contacts/${c.id}`} size="sm">
          {c.first_name} {c.last_name}
          {c.title ? ` · ${c.title}` : ''}
        </Anchor>
      ))}
    </Stack>
  );
}

function Deals({ id }: { id: string }) {
  const deals = useCompanyDeals(id);
  if (deals.isPending) return <LoadingRows rows={2} />;
  if (deals.isError)
    return <ErrorState error={deals.error} what="deals" onRetry={() => void deals.refetch()} />;
  if (deals.data.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No deals with this company yet.
      </Text>
    );
  return (
    <Table aria-label="Deals of this company">
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
              <Badge variant="light">{d.status}</Badge>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function CompanyPage() {
  const { id = '' } = useParams();
  const company = useCompany(id);
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();
  const [editing, setEditing] = useState(false);
  if (company.isPending) return <LoadingRows rows={8} />;
  if (company.isError)
    return <ErrorState error={company.error} what="this company" onRetry={() => void company.refetch()} />;
  const c = company.data;
  const owner = { kind: 'company' as const, id: c.id };
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Anchor component={Link} to="/companies" size="sm">
            ← Companies
          </Anchor>
          <Title order={2}>{c.name}</Title>
          <Text c="dimmed">
            {c.domain ?? 'No domain'} · {c.phone ?? 'No phone'} · Owner: {ownerName(c.owner_id)}
          </Text>
        </div>
        {canEdit && (
          <Group gap="xs">
            <Button variant="default" leftSection={<IconEdit size={16} />} onClick={() => setEditing(true)}>
              Edit
            </Button>
            <MoveToTrashButton target={{ kind: 'company', id: c.id, label: c.name }} />
          </Group>
        )}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack>
            <CustomFieldsCard entity="company" recordId={c.id} values={c.custom_fields} />
            <Card withBorder>
              <Title order={4} mb="xs">
                People
              </Title>
              <People id={c.id} />
            </Card>
            <Card withBorder>
              <Group justify="space-between" mb="xs">
                <Title order={4}>Deals</Title>
                {canEdit && <NewDealButton companyId={c.id} />}
              </Group>
              <Deals id={c.id} />
            </Card>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card withBorder>
            {canEdit && <LogActivity owner={owner} />}
            <Title order={4} my="sm">
              Activity
            </Title>
            <Timeline owner={owner} />
          </Card>
        </Grid.Col>
      </Grid>
      <CompanyForm opened={editing} onClose={() => setEditing(false)} company={c} />
    </Stack>
  );
}
