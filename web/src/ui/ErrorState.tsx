import { Alert, Button, Group, Text } from '@mantine/core';
import { IconAlertTriangle, IconLock, IconSearchOff } from '@tabler/icons-react';
import { ApiProblem, describeError } from '../api/problem';

interface Props {
  error: unknown;
  onRetry?: () => void;
  /** What could not be loaded, e.g. "contacts". */
  what?: string;
}

/** A failed load: forbidden and not-found get their own words; others get the API's detail and a retry. */
export function ErrorState({ error, onRetry, what = 'this page' }: Props) {
  if (error instanceof ApiProblem && error.status === 403) {
    return (
      <Alert color="orange" icon={<IconLock />} title="You do not have access" role="alert">
        Your role does not allow you to see {what}. Ask an admin of your organization if you need it.
      </Alert>
    );
  }
  if (error instanceof ApiProblem && error.status === 404) {
    return (
      <Alert color="gray" icon={<IconSearchOff />} title="Not found" role="alert">
        This record does not exist, was deleted, or is not visible to you.
      </Alert>
    );
  }
  return (
    <Alert color="red" icon={<IconAlertTriangle />} title={`Could not load ${what}`} role="alert">
      <Text size="sm">{describeError(error)}</Text>
      {onRetry && (
        <Group mt="sm">
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            Try again
          </Button>
        </Group>
      )}
    </Alert>
  );
}
