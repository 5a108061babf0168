import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { setSessionExpiredHandler } from '../api/client';
import { queryClient } from './queryClient';
import { router } from './router';
import { signInPath } from './next';
import { cssVariablesResolver, theme } from './theme';

setSessionExpiredHandler(() => {
  const { pathname, search } = window.location;
  queryClient.removeQueries({ queryKey: ['auth'] });
  void router.navigate(signInPath(pathname + search), { replace: true });
});

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="bottom-right" limit={3} />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  );
}
