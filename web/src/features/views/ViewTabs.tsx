import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  Stack,
  Tabs,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { IconDots, IconDeviceFloppy, IconUsers } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { send, unwrap } from '../../api/result';
import type { SavedView } from '../../api/types';
import { usePermissions, useSession } from '../../app/session';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { paramsOf, sameShape, shapeOf, type ViewEntity, type ViewShape } from './listParams';

const viewsKey = (entity: ViewEntity) => ['views', entity] as const;

function shapeOfView(view: SavedView): ViewShape {
  return { filters: view.filters, sort: view.sort ?? null, columns: view.columns };
}

/**
 * Saved views of a list as tabs: "All" and the person's own and shared
 * views. Picking one puts its filters, sort and columns in the URL; the
 * current list can be saved as a new view, and a view one may change can be
 * updated, renamed, shared or deleted.
 */
export function ViewTabs({ entity, allLabel }: { entity: ViewEntity; allLabel: string }) {
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const me = useSession();
  const { isAdmin, role } = usePermissions();
  const [saving, setSaving] = useState(false);
  const views = useQuery({
    queryKey: viewsKey(entity),
    queryFn: ({ signal }) => unwrap(api.GET('/api/views', { params: { query: { entity } }, signal })),
    select: (list) => list.data,
  });
  const activeId = params.get('view');
  const active = views.data?.find((v) => v.id === activeId);
  const current = shapeOf(entity, params);
  const changed = active
    ? !sameShape(current, shapeOfView(active))
    : Object.keys(current.filters).length > 0 || current.sort !== null || current.columns.length > 0;
  const mayChange = active !== undefined && (active.owner_id === me.user.id || isAdmin);

  const refresh = () => queryClient.invalidateQueries({ queryKey: viewsKey(entity) });
  const update = useMutation({
    mutationFn: (body: {
      name?: string;
      shared?: boolean;
      filters?: Record<string, string>;
      sort?: string | null;
      columns?: string[];
    }) => unwrap(api.PATCH('/api/views/{id}', { params: { path: { id: activeId ?? '' } }, body })),
    onSuccess: (view) => {
      notifications.show({ color: 'green', message: `View “${view.name}” saved` });
      return refresh();
    },
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not save the view', message: describeError(error) }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => send(api.DELETE('/api/views/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setParams({}, { replace: true });
      notifications.show({ color: 'green', message: 'View deleted' });
      await refresh();
    },
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not delete the view', message: describeError(error) }),
  });

  const choose = (value: string | null) => {
    const view = views.data?.find((v) => v.id === value);
    setParams(view ? paramsOf(shapeOfView(view), view.id) : new URLSearchParams(), { replace: true });
  };

  return (
    <Group justify="space-between" align="flex-end" mb="sm" wrap="nowrap">
      <Tabs
        value={active ? active.id : 'all'}
        onChange={choose}
        variant="outline"
        style={{ flex: 1, minWidth: 0 }}
      >
        <Tabs.List aria-label="Saved views">
          <Tabs.Tab value="all">{allLabel}</Tabs.Tab>
          {views.data?.map((v) => (
            <Tabs.Tab
              key={v.id}
              value={v.id}
              rightSection={
                v.shared ? <IconUsers size={14} aria-label="shared with the organization" /> : undefined
              }
            >
              {v.name}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Group gap="xs" wrap="nowrap">
        {active && mayChange && changed && (
          <Button
            variant="light"
            size="xs"
            loading={update.isPending}
            onClick={() =>
              update.mutate({ filters: current.filters, sort: current.sort, columns: current.columns })
            }
          >
            Update “{active.name}”
          </Button>
        )}
        {changed && (
          <Button
            size="xs"
            variant="default"
            leftSection={<IconDeviceFloppy size={14} />}
            onClick={() => setSaving(true)}
          >
            Save as view
          </Button>
        )}
        {active && mayChange && (
          <Menu position="bottom-end">
            <Menu.Target>
              <Tooltip label="View options">
                <ActionIcon variant="subtle" aria-label={`Options of the view “${active.name}”`}>
                  <IconDots size={16} />
                </ActionIcon>
              </Tooltip>
            </Menu.Target>
            <Menu.Dropdown>
              {role !== 'viewer' && (
                <Menu.Item onClick={() => update.mutate({ shared: !active.shared })}>
                  {active.shared ? 'Make private' : 'Share with the organization'}
                </Menu.Item>
              )}
              <Menu.Item color="red" onClick={() => remove.mutate(active.id)}>
                Delete view
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      <SaveViewDialog
        entity={entity}
        shape={current}
        opened={saving}
        onClose={() => setSaving(false)}
        onSaved={async (id) => {
          setSaving(false);
          await refresh();
          setParams(paramsOf(current, id), { replace: true });
        }}
      />
    </Group>
  );
}

function SaveViewDialog({
  entity,
  shape,
  opened,
  onClose,
  onSaved,
}: {
  entity: ViewEntity;
  shape: ViewShape;
  opened: boolean;
  onClose: () => void;
  onSaved: (id: string) => Promise<void>;
}) {
  const { role } = usePermissions();
  const form = useForm({ initialValues: { name: '', shared: false } });
  const save = useMutation({
    mutationFn: (v: typeof form.values) =>
      unwrap(
        api.POST('/api/views', {
          body: { entity, name: v.name.trim(), shared: v.shared, ...shape },
        }),
      ),
    onSuccess: async (view) => {
      notifications.show({ color: 'green', message: `View “${view.name}” saved` });
      form.reset();
      await onSaved(view.id);
    },
    onError: (error) => showFieldErrors(form, error),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Save as view">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Name"
            placeholder="e.g. My accounts"
            required
            data-autofocus
            {...form.getInputProps('name')}
          />
          {role !== 'viewer' && (
            <Checkbox
              label="Share with the organization"
              description="Everyone sees it as a tab; only you and admins can change it."
              {...form.getInputProps('shared', { type: 'checkbox' })}
            />
          )}
          <FormAlert error={save.error} title="Could not save the view" listFields />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save view
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
