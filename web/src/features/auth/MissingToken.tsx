import { Alert, Anchor } from '@mantine/core';
import { Link } from 'react-router';

export function MissingToken({ what }: { what: string }) {
  return (
    <Alert color="orange" title="This link is incomplete" role="alert">
      Open the {what} link from the e-mail again, or copy the whole address into the browser.{' '}
      <Anchor component={Link} to="/sign-in">
        Back to sign in
      </Anchor>
    </Alert>
  );
}
