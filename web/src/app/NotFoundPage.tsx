import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <Stack align="center" py="xl" gap="sm">
      <Title order={2}>Page not found</Title>
      <Text c="dimmed">There is nothing at this address. It may have moved, or the link has a typo.</Text>
      <Button component={Link} to="/contacts">
        Go to contacts
      </Button>
    </Stack>
  );
}
