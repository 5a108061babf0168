import { MultiSelect, Select } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { useMembers } from '../../app/members';
import { useSetParam } from '../../app/useSetParam';
import { useSession } from '../../app/session';

function useParam(key: string): [string | null, (value: string | null) => void] {
  const [params] = useSearchParams();
  const setParam = useSetParam();
  return [params.get(key), (value) => setParam(key, value)];
}

/** "Owner": anyone, me, or one member (the `owner_id` filter). */
export function OwnerFilter() {
  const [owner, setOwner] = useParam('owner_id');
  const me = useSession().user.id;
  const members = useMembers().data ?? [];
  const data = [
    { value: '', label: 'Anyone' },
    { value: me, label: 'Me' },
    ...members.filter((m) => m.user_id !== me).map((m) => ({ value: m.user_id, label: m.name })),
  ];
  return (
    <Select
      label="Owner"
      data={data}
      value={owner ?? ''}
      onChange={(v) => setOwner(v || null)}
      allowDeselect={false}
      searchable
      w={200}
    />
  );
}

/** Which optional columns the list shows (the `cols` parameter). */
export function ColumnPicker({
  columns,
  defaults,
}: {
  columns: { value: string; label: string }[];
  defaults: readonly string[];
}) {
  const [cols, setCols] = useParam('cols');
  const value = cols ? cols.split(',').filter(Boolean) : [...defaults];
  const sameAsDefault = (next: string[]) => next.join() === defaults.join();
  return (
    <MultiSelect
      label="Columns"
      data={columns}
      value={value}
      onChange={(next) => setCols(sameAsDefault(next) ? null : next.join(','))}
      w={320}
    />
  );
}
