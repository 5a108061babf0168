import { Button } from '@mantine/core';
import { IconLayoutKanban, IconList } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import { usePipelines } from './queries';

/**
 * "Board | List": two links (so each layout has its own URL, `/deals` and
 * `/deals/list`, and Tab and Enter reach them); the current one is marked.
 * With several pipelines, the one chosen in one layout is kept in the
 * other (the board's `pipeline`, the list's `pipeline_id` filter).
 */
export function DealsLayoutSwitch({ current }: { current: 'board' | 'list' }) {
  const [params] = useSearchParams();
  const several = (usePipelines().data?.length ?? 0) > 1;
  const chosen = current === 'board' ? params.get('pipeline') : params.get('pipeline_id');
  const pipeline = several ? chosen : null;
  const links = [
    {
      layout: 'board',
      label: 'Board',
      icon: IconLayoutKanban,
      to: pipeline ? `/deals?pipeline=${encodeURIComponent(pipeline)}` : '/deals',
    },
    {
      layout: 'list',
      label: 'List',
      icon: IconList,
      to: pipeline ? `/deals/list?pipeline_id=${encodeURIComponent(pipeline)}` : '/deals/list',
    },
  ] as const;
  return (
    <Button.Group aria-label="Show deals as">
      {links.map(({ layout, label, icon: Icon, to }) => {
        const here = layout === current;
        return (
          <Button
            key={layout}
            component={Link}
            to={to}
            variant={here ? 'light' : 'default'}
            aria-current={here ? 'page' : undefined}
            leftSection={<Icon size={16} />}
          >
            {label}
          </Button>
        );
      })}
    </Button.Group>
  );
}
