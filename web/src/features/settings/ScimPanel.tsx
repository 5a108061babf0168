import type { ScimToken, ScimTokenIssued } from '../../api/types';
import { Badge, Button, Code, Group, List, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { isProblem } from '../../api/problem';
import { useAction } from '../../api/useAction';
import { send, unwrap } from '../../api/result';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { CopyValue } from '../../ui/CopyValue';
import { formatDateTime, formatRelative } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { LoadingRows } from '../../ui/LoadingRows';
import { SecretDialog } from '../../ui/SecretDialog';

const scimTokenKey = ['scim-token'] as const;

/** The organization's SCIM token; `null` when it has none (the API answers 404). */
async function fetchToken(signal: AbortSignal): Promise<ScimToken | null> {
  try {
    return await unwrap(api.GET('/api/scim/token', { signal }));
  } catch (error) {
    if (isProblem(error, 404)) return null;
    throw error;
  }
}

/** A token just issued, and whether it replaced one (the dialog says which). */
interface Issued {
  token: ScimTokenIssued;
  replaced: boolean;
}

function TokenStatus({
  token,
  onRegenerate,
  onRevoke,
  busy,
}: {
  token: ScimToken;
  onRegenerate: () => void;
  onRevoke: () => void;
  busy: boolean;
}) {
  return (
    <Stack gap="sm">
      <Table variant="vertical" layout="fixed" withTableBorder aria-label="SCIM connection">
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={160}>SCIM base URL</Table.Th>
            <Table.Td>
              <Group gap="sm" wrap="nowrap" justify="space-between">
                <Code style={{ wordBreak: 'break-all' }}>{token.base_url}</Code>
                <CopyValue value={token.base_url} label="Copy base URL" />
              </Group>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Token</Table.Th>
            <Table.Td>
              <Code>{token.hint}</Code>
              <Text span size="xs" c="dimmed">
                {' '}
                (the end of the token; the whole token is never shown again)
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Created</Table.Th>
            <Table.Td>{formatDateTime(token.created_at)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Last used</Table.Th>
            <Table.Td>
              {token.last_used_at ? (
                formatRelative(token.last_used_at)
              ) : (
                <>
                  Never used
                  <Text span size="xs" c="dimmed">
                    {' '}
                    — your identity provider has not connected with this token yet
                  </Text>
                </>
              )}
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Group gap="xs">
        <ConfirmButton
          variant="light"
          loading={busy}
          question="Regenerate the SCIM token?"
          detail="The current token stops working at once: until you enter the new one in your identity provider, it cannot add, change or remove members. The members already here stay as they are."
          confirmLabel="Regenerate"
          onConfirm={onRegenerate}
        >
          Regenerate token
        </ConfirmButton>
        <ConfirmButton
          variant="subtle"
          color="red"
          question="Revoke the SCIM token?"
          detail="Your identity provider can no longer add, change or remove members: provisioning stops until a new token is set. The members already here stay, with their roles."
          confirmLabel="Revoke"
          onConfirm={onRevoke}
        >
          Revoke token
        </ConfirmButton>
      </Group>
    </Stack>
  );
}

/** How the provider's users and groups become members and roles (what the server does). */
function HowItWorks() {
  return (
    <Stack gap="xs">
      <Title order={4}>What the identity provider does here</Title>
      <List size="sm" spacing={6} maw={720}>
        <List.Item>
          <b>Adds members.</b> A person whose user name or e-mail is an address becomes a member. New members
          join as Rep.
        </List.Item>
        <List.Item>
          <b>Sets roles through groups.</b> A group the provider sends here named <Code>Admins</Code>,{' '}
          <Code>Managers</Code>, <Code>Reps</Code> or <Code>Viewers</Code> (optionally prefixed “Clearview”,
          as in <Code>Clearview Managers</Code>) gives its members that role. In several of these groups, the
          highest role wins; in none, an existing member keeps their role.
        </List.Item>
        <List.Item>
          <b>Removes members.</b> Deactivating or deleting someone in the provider removes them from the
          organization and signs them out at once.
        </List.Item>
        <List.Item>
          <b>Passwords.</b> People added this way choose their password with “Forgot your password?” on the
          sign-in page.
        </List.Item>
      </List>
    </Stack>
  );
}

/** Admins: the SCIM token the identity provider uses to manage members. */
export function ScimPanel() {
  const [issued, setIssued] = useState<Issued | null>(null);
  const token = useQuery({
    queryKey: scimTokenKey,
    queryFn: ({ signal }) => fetchToken(signal),
  });
  const generate = useAction({
    run: () => unwrap(api.POST('/api/scim/token')),
    done: 'SCIM token generated',
    failed: 'Could not generate a token',
    refresh: scimTokenKey,
  });
  const regenerate = useAction({
    run: () => unwrap(api.POST('/api/scim/token')),
    done: 'New SCIM token generated; the old one no longer works',
    failed: 'Could not regenerate the token',
    refresh: scimTokenKey,
  });
  const revoke = useAction({
    run: () => send(api.DELETE('/api/scim/token')),
    done: 'SCIM token revoked; provisioning has stopped',
    failed: 'Could not revoke the token',
    refresh: scimTokenKey,
  });

  return (
    <Stack>
      <Text size="sm" maw={720}>
        Directory sync lets your identity provider (Okta, Microsoft Entra ID or any other SCIM 2.0 provider)
        add, update and remove members for you. In the provider&apos;s provisioning settings, enter the SCIM
        base URL and the token below (Okta: “SCIM connector base URL” and an HTTP header bearer token; Entra
        ID: “Tenant URL” and “Secret token”).
      </Text>
      <SecretDialog
        secret={issued?.token.token ?? null}
        title={issued?.replaced ? 'New SCIM token' : 'SCIM token generated'}
        label="SCIM token"
        ifLost="regenerate it here and enter the new one in your identity provider"
        usage={
          <>
            In your identity provider&apos;s provisioning settings, enter it as the bearer token, with the
            SCIM base URL <Code>{issued?.token.base_url}</Code>.
            {issued?.replaced && ' The previous token has stopped working: replace it there now.'}
          </>
        }
        onClose={() => setIssued(null)}
      />
      <Group gap="xs">
        <Title order={4}>Connection</Title>
        {token.data !== undefined && (
          <Badge color={token.data ? 'green' : 'gray'} variant="light">
            {token.data ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      {token.isPending ? (
        <LoadingRows rows={3} />
      ) : token.isError ? (
        <ErrorState error={token.error} what="the SCIM token" onRetry={() => void token.refetch()} />
      ) : token.data === null ? (
        <Empty
          title="No SCIM token"
          action={
            <Button
              loading={generate.isPending}
              onClick={() =>
                generate.mutate(undefined, { onSuccess: (t) => setIssued({ token: t, replaced: false }) })
              }
            >
              Generate token
            </Button>
          }
        >
          Directory sync is off. Generate a token, then enter it with the SCIM base URL in your identity
          provider.
        </Empty>
      ) : (
        <TokenStatus
          token={token.data}
          busy={regenerate.isPending || revoke.isPending}
          onRegenerate={() =>
            regenerate.mutate(undefined, { onSuccess: (t) => setIssued({ token: t, replaced: true }) })
          }
          onRevoke={() => revoke.mutate()}
        />
      )}
      <HowItWorks />
    </Stack>
  );
}
