import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { unwrap } from '../../api/result';

interface Props {
  value: string | null;
  onChange: (id: string | null) => void;
  error?: React.ReactNode;
  label?: string;
}

/** Picks a company by typing part of its name; searched on the server. */
export function CompanySelect({ value, onChange, error, label = 'Company' }: Props) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 200);
  const companies = useQuery({
    queryKey: ['companies', 'pick', q],
    staleTime: 30_000,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/companies', {
          params: { query: q ? { q, limit: 20 } : { limit: 20, sort: 'name' } },
          signal,
        }),
      ),
  });
  const selected = useQuery({
    queryKey: ['companies', 'one', value],
    enabled: value !== null,
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/companies/{id}', { params: { path: { id: value ?? '' } }, signal })),
  });
  const options = new Map<string, string>();
  if (selected.data) options.set(selected.data.id, selected.data.name);
  for (const c of companies.data?.data ?? []) options.set(c.id, c.name);

  return (
    <Select
      label={label}
      placeholder="Type to search companies"
      searchable
      clearable
      value={value}
      onChange={onChange}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      data={[...options].map(([id, name]) => ({ value: id, label: name }))}
      nothingFoundMessage={companies.isFetching ? 'Searching…' : 'No company found'}
      error={error}
    />
  );
}
