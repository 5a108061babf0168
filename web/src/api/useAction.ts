import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { describeError } from './problem';

interface Action<V, R> {
  run: (variables: V) => Promise<R>;
  /** Shown in green when it worked. */
  done: string;
  /** The title of the red notification when it did not. */
  failed: string;
  /** Queries to fetch again afterwards. */
  refresh: QueryKey;
}

/** A button's server call that says how it went and refreshes what it changed. */
export function useAction<V, R>({ run, done, failed, refresh }: Action<V, R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => {
      notifications.show({ color: 'green', message: done });
      return queryClient.invalidateQueries({ queryKey: refresh });
    },
    onError: (error) => notifications.show({ color: 'red', title: failed, message: describeError(error) }),
  });
}
