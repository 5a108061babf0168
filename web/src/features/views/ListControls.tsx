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

/**
 * A list filter held in one URL parameter: "any" (the parameter absent) or
 * one of `data`. Changing it also removes the `clears` parameters (e.g. a
 * stage filter that belongs to the pipeline filter).
 */
export function ParamSelect({
  param,
  label,
  anyLabel,
  data,
  clears = [],
  searchable = false,
  w = 200,
}: {
  param: string;
  label: string;
  anyLabel: string;
  data: { value: string; label: string }[];
  clears?: readonly string[];
  searchable?: boolean;
  w?: number;
}) {
  const [params, setParams] = useSearchParams();
  const value = params.get(param) ?? '';
  const choose = (next: string | null) =>
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        if (next) out.set(param, next);
        else out.delete(param);
        if ((prev.get(param) ?? '') !== (next ?? '')) for (const name of clears) out.delete(name);
        return out;
      },
      { replace: true },
    );
  return (
    <Select
      label={label}
      data={[{ value: '', label: anyLabel }, ...data]}
      value={value}
      onChange={choose}
      allowDeselect={false}
      searchable={searchable}
      w={w}
    />
  );
}

/** "Owner": anyone, me, or one member (the `owner_id` filter). */
export function OwnerFilter() {
  const me = useSession().user.id;
  const members = useMembers().data ?? [];
  const data = [
    { value: me, label: 'Me' },
    ...members.filter((m) => m.user_id !== me).map((m) => ({ value: m.user_id, label: m.name })),
  ];
  return <ParamSelect param="owner_id" label="Owner" anyLabel="Anyone" data={data} searchable />;
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
