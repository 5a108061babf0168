import { Alert, List } from '@mantine/core';
import { ApiProblem, describeError } from '../api/problem';

/** The part of a failed submit that is not about one field. */
export function FormAlert({
  error,
  title = 'Could not save',
  listFields = false,
}: {
  error: unknown;
  title?: string;
  /** For forms whose fields do not match the API's names: list each field error here. */
  listFields?: boolean;
}) {
  if (!error) return null;
  const fieldOnly = error instanceof ApiProblem && error.status === 422 && error.errors.length > 0;
  if (fieldOnly && listFields) {
    return (
      <Alert color="red" role="alert" title={title}>
        <List size="sm">
          {error.errors.map((e) => (
            <List.Item key={`${e.field}:${e.message}`}>
              {e.field}: {e.message}
            </List.Item>
          ))}
        </List>
      </Alert>
    );
  }
  return (
    <Alert color="red" role="alert" title={fieldOnly ? 'Check the highlighted fields' : title}>
      {fieldOnly ? 'Some fields need attention; see the messages beside them.' : describeError(error)}
    </Alert>
  );
}
