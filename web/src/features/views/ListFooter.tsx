import { Button, Group, Text } from '@mantine/core';
import { ErrorState } from '../../ui/ErrorState';

/** The paging state of a list's infinite query that its footer needs. */
interface Paging {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isError: boolean;
  error: unknown;
  fetchNextPage: () => Promise<unknown>;
}

/**
 * Under a keyset-paged list: "Load more" while the server has another page,
 * else how many records the list holds; a failed next page says so and
 * offers a retry.
 */
export function ListFooter({
  list,
  count,
  noun,
}: {
  list: Paging;
  count: number;
  /** Singular and plural, e.g. `['deal', 'deals']`. */
  noun: readonly [string, string];
}) {
  return (
    <Group justify="center" mt="md">
      {list.isError && (
        <ErrorState error={list.error} what={`more ${noun[1]}`} onRetry={() => void list.fetchNextPage()} />
      )}
      {list.hasNextPage ? (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Load more
        </Button>
      ) : (
        <Text size="sm" c="dimmed">
          {count} {count === 1 ? noun[0] : noun[1]}, that is all.
        </Text>
      )}
    </Group>
  );
}
