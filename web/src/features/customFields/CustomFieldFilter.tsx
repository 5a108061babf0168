import {
  Button,
  Checkbox,
  Group,
  Popover,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { IconFilter } from '@tabler/icons-react';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import type { CustomField } from '../../api/types';
import { customFilterParams, filterableFields, isRanged, paramNames, validBound } from './filters';
import { useCustomFields } from './queries';
import type { CustomEntity } from './values';

interface Draft {
  any: string[];
  from: string;
  to: string;
  flag: string;
  text: string;
}

/** The field's current filter as the inputs hold it (so picking a filtered field edits it). */
function draftOf(field: CustomField, params: URLSearchParams): Draft {
  const base = `cf.${field.key}`;
  const value = params.get(base) ?? '';
  return {
    any: value ? value.split(',') : [],
    from: params.get(`${base}.gte`) ?? '',
    to: params.get(`${base}.lte`) ?? '',
    flag: value === 'false' ? 'false' : 'true',
    text: value,
  };
}

/** The URL parameters a draft sets; null when nothing was entered. */
function paramsOfDraft(field: CustomField, d: Draft): Record<string, string> | null {
  const base = `cf.${field.key}`;
  if (isRanged(field)) {
    const out: Record<string, string> = {};
    if (d.from.trim()) out[`${base}.gte`] = d.from.trim();
    if (d.to.trim()) out[`${base}.lte`] = d.to.trim();
    return Object.keys(out).length > 0 ? out : null;
  }
  if (field.type === 'boolean') return { [base]: d.flag };
  if (field.type === 'single_select' || field.type === 'multi_select')
    return d.any.length > 0 ? { [base]: d.any.join(',') } : null;
  return d.text.trim() ? { [base]: d.text.trim() } : null;
}

// The field list stays inside the popover, so picking a field does not count as a click outside it.
const inPopover = { withinPortal: false } as const;

function ValueInput({
  field,
  draft,
  set,
  error,
}: {
  field: CustomField;
  draft: Draft;
  set: (patch: Partial<Draft>) => void;
  error: string | null;
}) {
  if (isRanged(field)) {
    const type = field.type === 'date' ? 'date' : 'text';
    const bound = (label: string, key: 'from' | 'to') => (
      <TextInput
        label={label}
        type={type}
        inputMode={type === 'text' ? 'decimal' : undefined}
        value={draft[key]}
        onChange={(e) => set({ [key]: e.currentTarget.value })}
        error={!validBound(field, draft[key]) && 'Enter a number'}
      />
    );
    return (
      <Stack gap={4}>
        <Group grow align="flex-start">
          {bound('From', 'from')}
          {bound('To', 'to')}
        </Group>
        {error && (
          <Text size="xs" c="red">
            {error}
          </Text>
        )}
      </Stack>
    );
  }
  if (field.type === 'boolean')
    return (
      <SegmentedControl
        aria-label={field.label}
        value={draft.flag}
        onChange={(flag) => set({ flag })}
        data={[
          { value: 'true', label: 'Yes' },
          { value: 'false', label: 'No' },
        ]}
      />
    );
  if (field.type === 'single_select' || field.type === 'multi_select')
    return (
      // Checkboxes rather than a dropdown: nothing covers the Apply button, every option is in sight.
      <Checkbox.Group label="Is any of" value={draft.any} onChange={(any) => set({ any })} error={error}>
        <ScrollArea.Autosize mah={200} mt={4}>
          <Stack gap={6}>
            {field.options.map((o) => (
              <Checkbox key={o.key ?? o.label} value={o.key ?? o.label} label={o.label} />
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Checkbox.Group>
    );
  return (
    <TextInput
      label="Is exactly"
      description="Upper or lower case does not matter."
      value={draft.text}
      onChange={(e) => set({ text: e.currentTarget.value })}
      error={error}
    />
  );
}

/** "Custom field filter": pick a field, then a value fitting its type; the filter goes into the URL. */
export function CustomFieldFilter({ entity }: { entity: CustomEntity }) {
  const [params, setParams] = useSearchParams();
  const fields = filterableFields(useCustomFields(entity).data ?? []);
  const [opened, setOpened] = useState(false);
  const [field, setField] = useState<CustomField | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (fields.length === 0) return null;

  const pick = (key: string | null) => {
    const next = fields.find((f) => f.key === key) ?? null;
    setField(next);
    setDraft(next ? draftOf(next, params) : null);
    setError(null);
  };
  const apply = () => {
    if (!field || !draft) return;
    if (!validBound(field, draft.from) || !validBound(field, draft.to)) return;
    const set = paramsOfDraft(field, draft);
    if (!set) {
      setError(isRanged(field) ? 'Enter a from or a to value' : 'Enter a value');
      return;
    }
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const name of paramNames(field)) next.delete(name);
        for (const [name, value] of Object.entries(set)) next.set(name, value);
        return next;
      },
      { replace: true },
    );
    toggle(false);
  };
  const active = Object.keys(customFilterParams(params, fields)).length > 0;
  // Closed without applying: the next opening starts afresh.
  const toggle = (open: boolean) => {
    setOpened(open);
    if (!open) pick(null);
  };

  return (
    <Popover opened={opened} onChange={toggle} position="bottom-start" trapFocus shadow="md" width={320}>
      <Popover.Target>
        <Button
          variant={active ? 'light' : 'default'}
          leftSection={<IconFilter size={16} />}
          onClick={() => toggle(!opened)}
        >
          Custom field filter
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <form
          aria-label="Filter by a custom field"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <Stack gap="sm">
            <Select
              label="Field"
              placeholder="Pick a field"
              data={fields.map((f) => ({ value: f.key, label: f.label }))}
              value={field?.key ?? null}
              onChange={pick}
              comboboxProps={inPopover}
              searchable={fields.length > 8}
            />
            {field && draft && (
              <ValueInput
                field={field}
                draft={draft}
                set={(patch) => {
                  setDraft({ ...draft, ...patch });
                  setError(null);
                }}
                error={error}
              />
            )}
            <Group justify="flex-end">
              <Button type="submit" disabled={!field}>
                Apply filter
              </Button>
            </Group>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}
