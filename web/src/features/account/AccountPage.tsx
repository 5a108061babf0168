import { Button, Card, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { send, unwrap } from '../../api/result';
import { usePermissions, useSession } from '../../app/session';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { saveJson } from '../../ui/download';
import { FormAlert } from '../../ui/FormAlert';
import { PageHeader } from '../../ui/PageHeader';
import { DeleteOrganization } from './DeleteOrganization';
import { TwoStepCard } from './TwoStepCard';

export function AccountPage() {
  const me = useSession();
  const { isAdmin } = usePermissions();
  const queryClient = useQueryClient();
  const navigate = useNavigate();

  const exportData = useMutation({
    mutationFn: () => unwrap(api.GET('/api/users/me/export')),
    onSuccess: (data) =>
      saveJson(`clearview-personal-data-${new Date().toISOString().slice(0, 10)}.json`, data),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not export', message: describeError(error) }),
  });
  const deleteAccount = useMutation({
    mutationFn: () => send(api.DELETE('/api/users/me')),
    onSuccess: async () => {
      queryClient.clear();
      await navigate('/sign-in', { replace: true });
    },
  });

  return (
    <>
      <PageHeader
        title="Account"
        description={`${me.user.name} · ${me.user.email} · ${me.role} in ${me.organization.name}`}
      />
      <Stack maw={720}>
        <TwoStepCard />
        <Card withBorder>
          <Title order={3} size="h4">
            Your data
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Everything Clearview stores about you: identity, memberships, sessions, the records you own and
            your actions in the audit log, as a JSON file.
          </Text>
          <Button
            w="fit-content"
            leftSection={<IconDownload size={16} />}
            variant="default"
            loading={exportData.isPending}
            onClick={() => exportData.mutate()}
          >
            Export my data
          </Button>
        </Card>
        <Card withBorder>
          <Title order={3} size="h4">
            Delete my account
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Erases your identity and memberships in every organization. Records you owned stay with your team,
            without an owner. The last admin of an organization with other members must hand over first.
          </Text>
          <FormAlert error={deleteAccount.error} title="Could not delete the account" />
          <ConfirmButton
            color="red"
            variant="light"
            w="fit-content"
            mt="xs"
            loading={deleteAccount.isPending}
            question="Delete your account?"
            detail="This cannot be undone. You will be signed out everywhere."
            confirmLabel="Delete my account"
            onConfirm={() => deleteAccount.mutate()}
          >
            Delete my account
          </ConfirmButton>
        </Card>
        {isAdmin && <DeleteOrganization />}
      </Stack>
    </>
  );
}
