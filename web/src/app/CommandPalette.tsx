import '@mantine/spotlight/styles.css';
import { Button, Kbd, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { Spotlight, spotlight, type SpotlightActionData } from '@mantine/spotlight';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../api/client';
import { unwrap } from '../api/result';
import { navItems } from './nav';

const RECORDS_PER_KIND = 5;

/** Records matching the typed text, searched on the server (names, e-mail, domain, deal title). */
function useRecordSearch(query: string) {
  const [q] = useDebouncedValue(query.trim(), 200);
  return useQuery({
    queryKey: ['palette', q],
    enabled: q.length >= 2,
    staleTime: 10_000,
    queryFn: async ({ signal }) => {
      const limit = RECORDS_PER_KIND;
      const [contacts, companies, deals] = await Promise.all([
        unwrap(api.GET('/api/contacts', { params: { query: { q, limit } }, signal })),
        unwrap(api.GET('/api/companies', { params: { query: { q, limit } }, signal })),
        unwrap(api.GET('/api/deals', { params: { query: { q, limit } }, signal })),
      ]);
      return { contacts: contacts.data, companies: companies.data, deals: deals.data };
    },
  });
}

export function CommandPalette() {
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const records = useRecordSearch(query);
  const go = (to: string) => () => void navigate(to);
  const needle = query.trim().toLowerCase();

  const pages: SpotlightActionData[] = [
    ...navItems.map((item) => ({
      id: `nav:${item.to}`,
      label: `Go to ${item.label}`,
      onClick: go(item.to),
      leftSection: <item.icon size={18} />,
    })),
    { id: 'new:contact', label: 'New contact', onClick: go('/contacts?new=1') },
    { id: 'new:company', label: 'New company', onClick: go('/companies?new=1') },
    { id: 'new:deal', label: 'New deal', onClick: go('/deals?new=1') },
  ].filter((a) => needle === '' || a.label.toLowerCase().includes(needle));

  const found = records.data;
  const recordActions: SpotlightActionData[] = found
    ? [
        ...found.contacts.map((c) => ({
          id: `contact:${c.id}`,
          group: 'Contacts',
          label: `${c.first_name} ${c.last_name}`,
          description: c.email ?? undefined,
          onClick: go(`/contacts/${c.id}`),
        })),
        ...found.companies.map((c) => ({
          id: `company:${c.id}`,
          group: 'Companies',
          label: c.name,
          description: c.domain ?? undefined,
          onClick: go(`/companies/${c.id}`),
        })),
        ...found.deals.map((d) => ({
          id: `deal:${d.id}`,
          group: 'Deals',
          label: d.title,
          onClick: go(`/deals/${d.id}`),
        })),
      ]
    : [];

  const groups: [string, SpotlightActionData[]][] = [
    ['Pages and actions', pages],
    ['Contacts', recordActions.filter((a) => a.group === 'Contacts')],
    ['Companies', recordActions.filter((a) => a.group === 'Companies')],
    ['Deals', recordActions.filter((a) => a.group === 'Deals')],
  ];
  const shown = groups.filter(([, actions]) => actions.length > 0);

  // The compound form, so the search box has a visible label tied to it.
  return (
    <Spotlight.Root
      query={query}
      onQueryChange={setQuery}
      shortcut={['mod + K']}
      // The dialog has no title to name it.
      attributes={{ content: { 'aria-label': 'Command palette' } }}
    >
      <Text
        component="label"
        htmlFor="command-palette-search"
        size="sm"
        fw={600}
        px="md"
        pt="sm"
        display="block"
      >
        Search or jump to
      </Text>
      <Spotlight.Search
        id="command-palette-search"
        leftSection={<IconSearch size={18} />}
        placeholder="Contacts, companies, deals, or a page…"
      />
      <Spotlight.ActionsList>
        {shown.map(([label, actions]) => (
          <Spotlight.ActionsGroup key={label} label={label}>
            {actions.slice(0, 30).map((a) => (
              <Spotlight.Action
                key={a.id}
                label={a.label}
                description={a.description}
                leftSection={a.leftSection}
                onClick={a.onClick}
              />
            ))}
          </Spotlight.ActionsGroup>
        ))}
        {shown.length === 0 && (
          <Spotlight.Empty>{records.isFetching ? 'Searching…' : 'Nothing found'}</Spotlight.Empty>
        )}
      </Spotlight.ActionsList>
    </Spotlight.Root>
  );
}

export function PaletteButton() {
  return (
    <Button
      variant="default"
      size="xs"
      leftSection={<IconSearch size={14} />}
      rightSection={<Kbd size="xs">Ctrl K</Kbd>}
      onClick={() => spotlight.open()}
      visibleFrom="sm"
    >
      Search
    </Button>
  );
}
