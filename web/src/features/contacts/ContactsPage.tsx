import { Anchor, Button, Group, Select, Table } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useOwnerName } from '../../app/members';
import { useSetParam } from '../../app/useSetParam';
import { usePermissions } from '../../app/session';
import { formatDate } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { PageHeader } from '../../ui/PageHeader';
import { UrlSearchInput } from '../../ui/UrlSearchInput';
import { CustomCells, CustomFieldFilter, CustomFilterChips, sortChoices } from '../customFields';
import { ColumnPicker, OwnerFilter } from '../views/ListControls';
import { ListFooter } from '../views/ListFooter';
import { useListSettings } from '../views/useListSettings';
import { ViewTabs } from '../views/ViewTabs';
import { ContactForm } from './ContactForm';
import { contactSorts, useContactList } from './queries';

const columns = [
  { value: 'email', label: 'E-mail' },
  { value: 'phone', label: 'Phone' },
  { value: 'title', label: 'Title' },
  { value: 'owner', label: 'Owner' },
  { value: 'created_at', label: 'Created' },
  { value: 'updated_at', label: 'Updated' },
];
const defaultColumns = ['email', 'phone', 'title', 'owner'];

export function ContactsPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();

  const setParam = useSetParam();
  // The search box writes `q` once typing pauses (UrlSearchInput).
  const q = (params.get('q') ?? '').trim();
  const owner = params.get('owner_id');
  const { customFields, sort, custom, allColumns, show } = useListSettings(
    'contact',
    contactSorts,
    '-created_at',
    columns,
    defaultColumns,
  );
  const narrowed = Boolean(owner) || Object.keys(custom).length > 0;
  const list = useContactList({ q, sort, owner_id: owner, custom });
  const creating = params.get('new') === '1';
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <>
      <PageHeader
        title="Contacts"
        description="Everyone you sell to. Search by name or e-mail."
        actions={
          <>
            <Button variant="default" component={Link} to="/duplicates">
              Find duplicates
            </Button>
            {canEdit && (
              <Button leftSection={<IconPlus size={16} />} onClick={() => setParam('new', '1')}>
                New contact
              </Button>
            )}
          </>
        }
      />
      <ViewTabs entity="contact" allLabel="All contacts" />
      <Group mb="md" align="flex-end">
        <UrlSearchInput placeholder="Name or e-mail" w={320} />
        <OwnerFilter />
        <Select
          label="Sort"
          data={sortChoices(contactSorts, customFields)}
          value={sort}
          onChange={(v) => setParam('sort', v)}
          allowDeselect={false}
          maxDropdownHeight={320}
          w={220}
        />
        <CustomFieldFilter entity="contact" />
        <ColumnPicker columns={allColumns} defaults={defaultColumns} />
      </Group>
      <CustomFilterChips entity="contact" />
      {list.isPending ? (
        <LoadingRows rows={10} />
      ) : list.isError && rows.length === 0 ? (
        <ErrorState error={list.error} what="contacts" onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        q ? (
          <Empty title="No contacts match">
            Nothing matches “{q}”. Check the spelling or search by e-mail.
          </Empty>
        ) : narrowed ? (
          <Empty title="No contacts match">No contact matches these filters. Remove one to see more.</Empty>
        ) : (
          <Empty
            title="No contacts yet"
            action={
              canEdit && (
                <Button onClick={() => setParam('new', '1')} leftSection={<IconPlus size={16} />}>
                  Add your first contact
                </Button>
              )
            }
          >
            Add people one by one, or import a CSV from Data / Import.
          </Empty>
        )
      ) : (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table
              striped
              highlightOnHover
              verticalSpacing="xs"
              aria-label="Contacts"
              aria-busy={list.isPlaceholderData}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  {allColumns
                    .filter((c) => show(c.value))
                    .map((c) => (
                      <Table.Th key={c.value}>{c.label}</Table.Th>
                    ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
                {rows.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/contacts/${c.id}`} fw={500}>
                        {c.first_name} {c.last_name}
                      </Anchor>
                    </Table.Td>
                    {show('email') && <Table.Td>{c.email ?? '—'}</Table.Td>}
                    {show('phone') && <Table.Td>{c.phone ?? '—'}</Table.Td>}
                    {show('title') && <Table.Td>{c.title ?? '—'}</Table.Td>}
                    {show('owner') && <Table.Td>{ownerName(c.owner_id)}</Table.Td>}
                    {show('created_at') && <Table.Td>{formatDate(c.created_at)}</Table.Td>}
                    {show('updated_at') && <Table.Td>{formatDate(c.updated_at)}</Table.Td>}
                    <CustomCells fields={customFields} show={show} values={c.custom_fields} />
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter list={list} count={rows.length} noun={['contact', 'contacts']} />
        </>
      )}
      <ContactForm
        opened={creating}
        onClose={() => setParam('new', null)}
        onSaved={(c) => void navigate(`/contacts/${c.id}`, { replace: true })}
      />
    </>
  );
}
