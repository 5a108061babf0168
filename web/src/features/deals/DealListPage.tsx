import { Anchor, Button, Group, Select, Table, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMemo } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import type { Pipeline, Stage } from '../../api/types';
import { useOwnerName } from '../../app/members';
import { useSetParam } from '../../app/useSetParam';
import { usePermissions } from '../../app/session';
import { formatDate } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { Money } from '../../ui/Money';
import { PageHeader } from '../../ui/PageHeader';
import { UrlSearchInput } from '../../ui/UrlSearchInput';
import { CustomCells, CustomFieldFilter, CustomFilterChips, sortChoices } from '../customFields';
import { ColumnPicker, OwnerFilter, ParamSelect } from '../views/ListControls';
import { ListFooter } from '../views/ListFooter';
import { useListSettings } from '../views/useListSettings';
import { ViewTabs } from '../views/ViewTabs';
import { DealForm } from './DealForm';
import { DealsLayoutSwitch } from './DealsLayoutSwitch';
import { dealSorts, dealStatuses, useDealList, usePipelines } from './queries';
import { StatusBadge } from './StatusBadge';

/** The optional columns (the names saved views use); title and status are always shown. */
const columns = [
  { value: 'amount', label: 'Amount' },
  { value: 'stage', label: 'Stage' },
  { value: 'owner', label: 'Owner' },
  { value: 'expected_close_date', label: 'Expected close' },
  { value: 'probability', label: 'Probability' },
  { value: 'created_at', label: 'Created' },
  { value: 'updated_at', label: 'Updated' },
];
const defaultColumns = ['amount', 'stage', 'owner', 'expected_close_date'];
const numeric = new Set(['amount', 'probability']);

const statusChoices = [
  { value: 'open', label: 'Open' },
  { value: 'won', label: 'Won' },
  { value: 'lost', label: 'Lost' },
];

/** Each stage of every pipeline by id, with its pipeline (the Stage column). */
function useStageIndex(pipelines: Pipeline[] | undefined) {
  return useMemo(() => {
    const index = new Map<string, { stage: Stage; pipeline: Pipeline }>();
    for (const pipeline of pipelines ?? [])
      for (const stage of pipeline.stages) index.set(stage.id, { stage, pipeline });
    return index;
  }, [pipelines]);
}

/**
 * The deals as a table (`/deals/list`), next to the board: every pipeline
 * or one, searched, filtered by status, owner and custom fields, sorted,
 * with the columns one picks, and saved as views shown as tabs.
 */
export function DealListPage() {
  const [params] = useSearchParams();
  const location = useLocation();
  const { canEdit } = usePermissions();
  const ownerName = useOwnerName();
  const setParam = useSetParam();
  const pipelines = usePipelines();
  const stages = useStageIndex(pipelines.data);

  // The search box writes `q` once typing pauses (UrlSearchInput).
  const q = (params.get('q') ?? '').trim();
  // A pipeline or stage kept in a saved view may have been deleted since: it is
  // left out once the pipelines are read (before, the URL's is passed on).
  const rawPipeline = params.get('pipeline_id');
  const pipeline = pipelines.data?.find((p) => p.id === rawPipeline);
  const pipelineId = pipelines.data ? (pipeline?.id ?? null) : rawPipeline;
  const manyPipelines = (pipelines.data?.length ?? 0) > 1;
  // Stages belong to a pipeline: the chosen one, or the only one there is.
  const stagePipeline = pipeline ?? (manyPipelines ? undefined : pipelines.data?.[0]);
  const rawStage = params.get('stage_id');
  const stageId = pipelines.data
    ? (stagePipeline?.stages.find((s) => s.id === rawStage)?.id ?? null)
    : rawStage;
  const status = dealStatuses.find((st) => st === params.get('status')) ?? null;
  const owner = params.get('owner_id');
  const { customFields, sort, custom, allColumns, show } = useListSettings(
    'deal',
    dealSorts,
    '-created_at',
    columns,
    defaultColumns,
  );
  const narrowed = Boolean(q || pipelineId || stageId || status || owner) || Object.keys(custom).length > 0;
  const list = useDealList({
    q,
    sort,
    pipeline_id: pipelineId,
    stage_id: stageId,
    status,
    owner_id: owner,
    custom,
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  // New deals go into the pipeline the list shows, else the default one.
  const newDealPipeline = pipeline ?? pipelines.data?.find((p) => p.is_default) ?? pipelines.data?.[0];
  const from = `${location.pathname}${location.search}`;

  return (
    <>
      <PageHeader
        title="Deals"
        description="Every deal in one table. Search, filter and sort it, pick the columns, and save it as a view."
        actions={
          <>
            <DealsLayoutSwitch current="list" />
            {canEdit && (
              <Button
                leftSection={<IconPlus size={16} />}
                onClick={() => setParam('new', '1')}
                disabled={!newDealPipeline}
              >
                New deal
              </Button>
            )}
          </>
        }
      />
      <ViewTabs entity="deal" allLabel="All deals" />
      <Group mb="md" align="flex-end">
        <UrlSearchInput placeholder="Deal title" w={260} />
        {manyPipelines && (
          <ParamSelect
            param="pipeline_id"
            label="Pipeline"
            anyLabel="All pipelines"
            data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            clears={['stage_id']}
          />
        )}
        {stagePipeline && (
          <ParamSelect
            param="stage_id"
            label="Stage"
            anyLabel="Any stage"
            data={stagePipeline.stages.map((st) => ({ value: st.id, label: st.name }))}
            w={180}
          />
        )}
        <ParamSelect param="status" label="Status" anyLabel="Any status" data={statusChoices} w={150} />
        <OwnerFilter />
        <Select
          label="Sort"
          data={sortChoices(dealSorts, customFields)}
          value={sort}
          onChange={(v) => setParam('sort', v)}
          allowDeselect={false}
          maxDropdownHeight={320}
          w={220}
        />
        <CustomFieldFilter entity="deal" />
        <ColumnPicker columns={allColumns} defaults={defaultColumns} />
      </Group>
      <CustomFilterChips entity="deal" />
      {list.isPending ? (
        <LoadingRows rows={10} />
      ) : list.isError && rows.length === 0 ? (
        <ErrorState error={list.error} what="deals" onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty
          title={narrowed ? 'No deals match' : 'No deals yet'}
          action={
            canEdit &&
            !narrowed &&
            newDealPipeline && (
              <Button onClick={() => setParam('new', '1')} leftSection={<IconPlus size={16} />}>
                Add your first deal
              </Button>
            )
          }
        >
          {q
            ? `No deal title contains “${q}”.`
            : narrowed
              ? 'No deal matches these filters. Remove one to see more.'
              : 'Deals are the sales you are working on; each moves through the stages of a pipeline.'}
        </Empty>
      ) : (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table
              striped
              highlightOnHover
              verticalSpacing="xs"
              aria-label="Deals"
              aria-busy={list.isPlaceholderData}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Title</Table.Th>
                  <Table.Th>Status</Table.Th>
                  {allColumns
                    .filter((c) => show(c.value))
                    .map((c) => (
                      <Table.Th key={c.value} ta={numeric.has(c.value) ? 'right' : undefined}>
                        {c.label}
                      </Table.Th>
                    ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
                {rows.map((d) => {
                  const where = stages.get(d.stage_id);
                  return (
                    <Table.Tr key={d.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/deals/${d.id}`} state={{ from }} fw={500}>
                          {d.title}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={d.status} variant="light" />
                      </Table.Td>
                      {show('amount') && (
                        <Table.Td ta="right">
                          <Money amount={d.amount} currency={d.currency} />
                        </Table.Td>
                      )}
                      {show('stage') && (
                        <Table.Td>
                          {where ? where.stage.name : '…'}
                          {where && manyPipelines && !pipeline && (
                            <Text span size="xs" c="dimmed">
                              {' '}
                              · {where.pipeline.name}
                            </Text>
                          )}
                        </Table.Td>
                      )}
                      {show('owner') && <Table.Td>{ownerName(d.owner_id)}</Table.Td>}
                      {show('expected_close_date') && (
                        <Table.Td>{formatDate(d.expected_close_date)}</Table.Td>
                      )}
                      {show('probability') && <Table.Td ta="right">{d.probability} %</Table.Td>}
                      {show('created_at') && <Table.Td>{formatDate(d.created_at)}</Table.Td>}
                      {show('updated_at') && <Table.Td>{formatDate(d.updated_at)}</Table.Td>}
                      <CustomCells fields={customFields} show={show} values={d.custom_fields} />
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <ListFooter list={list} count={rows.length} noun={['deal', 'deals']} />
        </>
      )}
      {newDealPipeline && (
        <DealForm
          opened={params.get('new') === '1'}
          onClose={() => setParam('new', null)}
          pipeline={newDealPipeline}
        />
      )}
    </>
  );
}
