import { Button, Container, Stack, Text, Title } from '@mantine/core';
import { isRouteErrorResponse, useRouteError } from 'react-router';
import { NotFoundPage } from './NotFoundPage';

/** Last line of defence: an unknown route or a screen that crashed. */
export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Container py="xl">
        <NotFoundPage />
      </Container>
    );
  }
  const chunkFailed =
    error instanceof TypeError && /dynamically imported module|Failed to fetch/.test(error.message);
  return (
    <Container size="sm" py="xl">
      <Stack gap="sm">
        <Title order={2}>{chunkFailed ? 'Could not load this screen' : 'Something went wrong'}</Title>
        <Text c="dimmed">
          {chunkFailed
            ? 'The network dropped while loading the app, or a new version was released.'
            : 'The screen hit an unexpected error. Your data on the server is safe.'}
        </Text>
        <Button w="fit-content" onClick={() => window.location.reload()}>
          Reload
        </Button>
      </Stack>
    </Container>
  );
}
