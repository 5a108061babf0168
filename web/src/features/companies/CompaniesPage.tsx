import type { CompanySort } from '../../api/types';
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
import { CompanyForm } from './CompanyForm';
import { useCompanyList } from './queries';

const sorts: { value: CompanySort; label: string }[] = [
  { value: 'name', label: 'Name A–Z' },
  { value: '-name', label: 'Name Z–A' },
  { value: '-created_at', label: 'Newest first' },
  { value: '-updated_at', label: 'Recently updated' },
];

const columns = [
  { value: 'domain', label: 'Domain' },
  { value: 'phone', label: 'Phone' },
  { value: 'owner', label: 'Owner' },
  { value: 'created_at', label: 'Created' },
  { value: 'updated_at', label: 'Updated' },
];
const defaultColumns = ['domain', 'phone', 'owner'];

export function CompaniesPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();
  const setParam = useSetParam();
  // The search box writes `q` once typing pauses (UrlSearchInput).
  const q = (params.get('q') ?? '').trim();
  const owner = params.get('owner_id');
  const { customFields, sort, custom, allColumns, show } = useListSettings(
    'company',
    sorts,
    'name',
    columns,
    defaultColumns,
  );
  const narrowed = Boolean(q || owner) || Object.keys(custom).length > 0;
  const list = useCompanyList({ q, sort, owner_id: owner, custom });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <>
      <PageHeader
        title="Companies"
        description="The organizations your contacts work for."
        actions={
          <>
            <Button variant="default" component={Link} to="/duplicates?kind=company">
              Find duplicates
            </Button>
            {canEdit && (
              <Button leftSection={<IconPlus size={16} />} onClick={() => setParam('new', '1')}>
                New company
              </Button>
            )}
          </>
        }
      />
      <ViewTabs entity="company" allLabel="All companies" />
      <Group mb="md" align="flex-end">
        <UrlSearchInput placeholder="Name or domain" w={320} />
        <OwnerFilter />
        <Select
          label="Sort"
          data={sortChoices(sorts, customFields)}
          value={sort}
          onChange={(v) => setParam('sort', v)}
          allowDeselect={false}
          maxDropdownHeight={320}
          w={220}
        />
        <CustomFieldFilter entity="company" />
        <ColumnPicker columns={allColumns} defaults={defaultColumns} />
      </Group>
      <CustomFilterChips entity="company" />
      {list.isPending ? (
        <LoadingRows rows={10} />
      ) : list.isError && rows.length === 0 ? (
        <ErrorState error={list.error} what="companies" onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty
          title={narrowed ? 'No companies match' : 'No companies yet'}
          action={
            canEdit &&
            !narrowed && (
              <Button onClick={() => setParam('new', '1')} leftSection={<IconPlus size={16} />}>
                Add a company
              </Button>
            )
          }
        >
          {q
            ? `Nothing matches “${q}”.`
            : narrowed
              ? 'No company matches these filters. Remove one to see more.'
              : 'Companies group your contacts and deals.'}
        </Empty>
      ) : (
        <>
          <Table.ScrollContainer minWidth={600}>
            <Table striped highlightOnHover aria-label="Companies" aria-busy={list.isPlaceholderData}>
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
                      <Anchor component={Link} to={`/companies/${c.id}`} fw={500}>
                        {c.name}
                      </Anchor>
                    </Table.Td>
                    {show('domain') && <Table.Td>{c.domain ?? '—'}</Table.Td>}
                    {show('phone') && <Table.Td>{c.phone ?? '—'}</Table.Td>}
                    {show('owner') && <Table.Td>{ownerName(c.owner_id)}</Table.Td>}
                    {show('created_at') && <Table.Td>{formatDate(c.created_at)}</Table.Td>}
                    {show('updated_at') && <Table.Td>{formatDate(c.updated_at)}</Table.Td>}
                    <CustomCells fields={customFields} show={show} values={c.custom_fields} />
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter list={list} count={rows.length} noun={['company', 'companies']} />
        </>
      )}
      <CompanyForm
        opened={params.get('new') === '1'}
        onClose={() => setParam('new', null)}
        onSaved={(c) => void navigate(`/companies/${c.id}`, { replace: true })}
      />
    </>
  );
}
