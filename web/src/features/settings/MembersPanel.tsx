import { oneOf, type Role } from '../../api/types';
import { Badge, Button, Card, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { send, unwrap } from '../../api/result';
import { useMembers } from '../../app/members';
import { usePermissions, useSession } from '../../app/session';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { formatDate } from '../../ui/dates';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';

const roles: { value: Role; label: string }[] = [
  { value: 'admin', label: 'Admin' },
  { value: 'manager', label: 'Manager' },
  { value: 'rep', label: 'Rep' },
  { value: 'viewer', label: 'Viewer' },
];

function useTeamMutations(orgId: string) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['members'] });
  const fail = (title: string) => (error: unknown) =>
    notifications.show({ color: 'red', title, message: describeError(error) });
  return {
    changeRole: useMutation({
      mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
        unwrap(
          api.PATCH('/api/organizations/{id}/members/{user_id}', {
            params: { path: { id: orgId, user_id: userId } },
            body: { role },
          }),
        ),
      onSuccess: refresh,
      onError: fail('Could not change the role'),
    }),
    remove: useMutation({
      mutationFn: (userId: string) =>
        send(
          api.DELETE('/api/organizations/{id}/members/{user_id}', {
            params: { path: { id: orgId, user_id: userId } },
          }),
        ),
      onSuccess: refresh,
      onError: fail('Could not remove the member'),
    }),
    revoke: useMutation({
      mutationFn: (invitationId: string) =>
        send(
          api.DELETE('/api/organizations/{id}/invitations/{invitation_id}', {
            params: { path: { id: orgId, invitation_id: invitationId } },
          }),
        ),
      onSuccess: refresh,
      onError: fail('Could not revoke the invitation'),
    }),
  };
}

function InviteForm({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient();
  const form = useForm<{ email: string; role: Role }>({ initialValues: { email: '', role: 'rep' } });
  const invite = useMutation({
    mutationFn: (body: typeof form.values) =>
      unwrap(api.POST('/api/organizations/{id}/invite', { params: { path: { id: orgId } }, body })),
    onSuccess: (result) => {
      notifications.show({
        color: 'green',
        message: result.email_queued
          ? `Invitation sent to ${result.invitation.email}`
          : `${result.invitation.email} already has a pending invitation; no second e-mail was sent`,
      });
      form.reset();
      return queryClient.invalidateQueries({ queryKey: ['members'] });
    },
    onError: (error) => showFieldErrors(form, error),
  });
  return (
    <form onSubmit={form.onSubmit((v) => invite.mutate({ ...v, email: v.email.trim() }))} noValidate>
      <Stack gap="xs">
        <Group align="flex-start">
          <TextInput label="E-mail" type="email" required w={280} {...form.getInputProps('email')} />
          <Select label="Role" data={roles} allowDeselect={false} w={140} {...form.getInputProps('role')} />
          <Button type="submit" mt={25} loading={invite.isPending}>
            Send invitation
          </Button>
        </Group>
        <FormAlert error={invite.error} title="Could not invite" />
      </Stack>
    </form>
  );
}

function Invitations({ orgId, onRevoke }: { orgId: string; onRevoke: (id: string) => void }) {
  const invitations = useQuery({
    queryKey: ['members', 'invitations', orgId],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/organizations/{id}/invitations', { params: { path: { id: orgId } }, signal })),
    select: (l) => l.data,
  });
  if (invitations.isPending) return <LoadingRows rows={2} />;
  if (invitations.isError)
    return (
      <ErrorState error={invitations.error} what="invitations" onRetry={() => void invitations.refetch()} />
    );
  if (invitations.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No pending invitations.
      </Text>
    );
  return (
    <Table aria-label="Pending invitations">
      <Table.Tbody>
        {invitations.data.map((i) => (
          <Table.Tr key={i.id}>
            <Table.Td>{i.email}</Table.Td>
            <Table.Td>
              <Badge variant="light">{i.role}</Badge>
            </Table.Td>
            <Table.Td>expires {formatDate(i.expires_at)}</Table.Td>
            <Table.Td ta="right">
              <ConfirmButton
                size="xs"
                variant="subtle"
                color="red"
                question={`Revoke the invitation to ${i.email}?`}
                confirmLabel="Revoke"
                onConfirm={() => onRevoke(i.id)}
              >
                Revoke
              </ConfirmButton>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export function MembersPanel() {
  const me = useSession();
  const { isAdmin } = usePermissions();
  const members = useMembers();
  const team = useTeamMutations(me.organization.id);

  if (members.isPending) return <LoadingRows rows={4} />;
  if (members.isError)
    return <ErrorState error={members.error} what="members" onRetry={() => void members.refetch()} />;
  return (
    <Stack>
      <Table aria-label="Members">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>E-mail</Table.Th>
            <Table.Th id="members-role">Role</Table.Th>
            <Table.Th>Joined</Table.Th>
            {isAdmin && <Table.Th />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {members.data.map((m) => (
            <Table.Tr key={m.user_id}>
              <Table.Td id={`member-name-${m.user_id}`}>
                {m.name}
                {m.user_id === me.user.id && ' (you)'}
              </Table.Td>
              <Table.Td>{m.email}</Table.Td>
              <Table.Td>
                {isAdmin ? (
                  <Select
                    // Named by the visible column header and the member's name cell.
                    aria-labelledby={`members-role member-name-${m.user_id}`}
                    data={roles}
                    value={m.role}
                    allowDeselect={false}
                    w={130}
                    size="xs"
                    onChange={(role) =>
                      role &&
                      team.changeRole.mutate({
                        userId: m.user_id,
                        role: oneOf(
                          roles.map((r) => r.value),
                          role,
                          'viewer',
                        ),
                      })
                    }
                  />
                ) : (
                  <Badge variant="light">{m.role}</Badge>
                )}
              </Table.Td>
              <Table.Td>{formatDate(m.joined_at)}</Table.Td>
              {isAdmin && (
                <Table.Td ta="right">
                  {m.user_id !== me.user.id && (
                    <ConfirmButton
                      size="xs"
                      variant="subtle"
                      color="red"
                      question={`Remove ${m.name}?`}
                      detail="Their sessions end at once. The records they owned stay, without an owner."
                      confirmLabel="Remove"
                      onConfirm={() => team.remove.mutate(m.user_id)}
                    >
                      Remove
                    </ConfirmButton>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {isAdmin && (
        <Card withBorder>
          <Title order={4} mb="sm">
            Invite someone
          </Title>
          <InviteForm orgId={me.organization.id} />
          <Title order={5} mt="md" mb="xs">
            Pending invitations
          </Title>
          <Invitations orgId={me.organization.id} onRevoke={(id) => team.revoke.mutate(id)} />
        </Card>
      )}
    </Stack>
  );
}
