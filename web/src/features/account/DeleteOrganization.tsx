import { Button, Card, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { send } from '../../api/result';
import { useSession } from '../../app/session';
import { FormAlert } from '../../ui/FormAlert';

/** Deleting the organization needs its exact name typed, as the server also demands. */
export function DeleteOrganization() {
  const org = useSession().organization;
  const [typed, setTyped] = useState('');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () =>
      send(
        api.DELETE('/api/organizations/{id}', { params: { path: { id: org.id } }, body: { confirm: typed } }),
      ),
    onSuccess: async () => {
      queryClient.clear();
      await navigate('/sign-in', { replace: true });
    },
  });
  return (
    <Card withBorder style={{ borderColor: 'var(--mantine-color-red-4)' }}>
      <Stack gap="xs">
        <Title order={3} size="h4" c="red.8">
          Delete the organization
        </Title>
        <Text size="sm">
          Deletes <b>{org.name}</b> with every contact, company, deal, activity and member. Members keep their
          accounts if they belong to other organizations. This cannot be undone.
        </Text>
        <TextInput
          label={`Type “${org.name}” to confirm`}
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          autoComplete="off"
        />
        <FormAlert error={remove.error} title="Could not delete the organization" />
        <Button
          color="red"
          w="fit-content"
          disabled={typed !== org.name}
          loading={remove.isPending}
          onClick={() => remove.mutate()}
        >
          Delete {org.name} forever
        </Button>
      </Stack>
    </Card>
  );
}
