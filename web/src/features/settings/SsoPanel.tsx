import type { SsoBody, SsoSettings } from '../../api/types';
import {
  Badge,
  Button,
  Code,
  Group,
  List,
  PasswordInput,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client';
import { isProblem } from '../../api/problem';
import { send, unwrap } from '../../api/result';
import { useAction } from '../../api/useAction';
import { useSession } from '../../app/session';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { CopyValue } from '../../ui/CopyValue';
import { formatDateTime } from '../../ui/dates';
import { Empty } from '../../ui/Empty';
import { ErrorState } from '../../ui/ErrorState';
import { FormAlert } from '../../ui/FormAlert';
import { showFieldErrors } from '../../ui/forms';
import { LoadingRows } from '../../ui/LoadingRows';

const ssoKey = (orgId: string) => ['sso', orgId] as const;

/** The organization's single sign-on; `null` when it has none (the API answers 404). */
async function fetchSettings(orgId: string, signal: AbortSignal): Promise<SsoSettings | null> {
  try {
    return await unwrap(api.GET('/api/organizations/{id}/sso', { params: { path: { id: orgId } }, signal }));
  } catch (error) {
    if (isProblem(error, 404)) return null;
    throw error;
  }
}

const roleNames: Record<string, string> = {
  admin: 'Admin',
  manager: 'Manager',
  rep: 'Rep',
  viewer: 'Viewer',
};

/** The select's value for "invitation only" (the API's `null`). */
const INVITATION_ONLY = 'invitation';

type NewcomerRole = NonNullable<SsoBody['default_role']>;
const newcomerRoles: NewcomerRole[] = ['viewer', 'rep', 'manager', 'admin'];

const newcomerChoices = [
  { value: INVITATION_ONLY, label: 'Invitation only' },
  ...newcomerRoles.map((role) => ({ value: role, label: newcomers(role) })),
];

function newcomers(role: string | null | undefined): string {
  return role ? `Join as ${roleNames[role] ?? role}` : 'Invitation only';
}

/** A URL to copy somewhere else, with its copy button. */
function UrlToCopy({ url, copyLabel }: { url: string; copyLabel: string }) {
  return (
    <Group gap="sm" wrap="nowrap">
      <Code style={{ wordBreak: 'break-all' }}>{url}</Code>
      <CopyValue value={url} label={copyLabel} />
    </Group>
  );
}

/** What the admin does at the provider first; the redirect URI is needed before anything is saved here. */
function ProviderSteps({ redirectUri }: { redirectUri: string | null }) {
  return (
    <Stack gap="xs" maw={760}>
      <Text size="sm">
        Single sign-on lets your people sign in to Clearview with your company&apos;s identity provider (Okta,
        Microsoft Entra ID, Google Workspace, Keycloak or any other OpenID Connect provider) instead of a
        Clearview password.
      </Text>
      <List type="ordered" size="sm" spacing={6}>
        <List.Item>
          In your provider, create an <b>OpenID Connect web application</b> (Okta: an OIDC web app
          integration; Entra ID: an app registration with a Web platform; Google: an OAuth client ID of type
          Web application; Keycloak: a client with client authentication on) and register this{' '}
          <b>redirect URI</b> (also called sign-in redirect URI or callback URL)
          {redirectUri ? (
            <>
              :
              <Stack gap={4} mt={6} mb={4} maw={640}>
                <UrlToCopy url={redirectUri} copyLabel="Copy redirect URI" />
              </Stack>
            </>
          ) : (
            ', shown below.'
          )}
        </List.Item>
        <List.Item>
          Enter the provider&apos;s issuer URL and the application&apos;s client ID and client secret here.
          Clearview checks the issuer with the provider before saving.
        </List.Item>
        <List.Item>
          Share the sign-in link that appears here, or add it to your provider as an app tile.
        </List.Item>
      </List>
    </Stack>
  );
}

interface FormValues {
  issuer: string;
  client_id: string;
  client_secret: string;
  allowed_domains: string[];
  default_role: string;
}

function SsoForm({
  orgId,
  settings,
  onDone,
  onCancel,
}: {
  orgId: string;
  settings: SsoSettings | null;
  onDone: () => void;
  onCancel: () => void;
}) {
  const queryClient = useQueryClient();
  const form = useForm<FormValues>({
    initialValues: {
      issuer: settings?.issuer ?? '',
      client_id: settings?.client_id ?? '',
      client_secret: '',
      allowed_domains: settings?.allowed_domains ?? [],
      default_role: settings?.default_role ?? INVITATION_ONLY,
    },
  });
  const save = useMutation({
    mutationFn: (v: FormValues) => {
      const secret = v.client_secret.trim();
      const body: SsoBody = {
        issuer: v.issuer.trim(),
        client_id: v.client_id.trim(),
        // Left out: the stored secret stays (the server requires one the first time).
        ...(secret ? { client_secret: secret } : {}),
        allowed_domains: v.allowed_domains,
        // The select offers only these roles and "invitation only" (null).
        default_role: newcomerRoles.find((role) => role === v.default_role) ?? null,
      };
      return unwrap(api.PUT('/api/organizations/{id}/sso', { params: { path: { id: orgId } }, body }));
    },
    onSuccess: (saved) => {
      notifications.show({
        color: 'green',
        message: settings ? 'Single sign-on saved' : 'Single sign-on is on: share the sign-in link',
      });
      queryClient.setQueryData(ssoKey(orgId), saved);
      onDone();
    },
    onError: (error) => showFieldErrors(form, error),
  });

  return (
    <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
      <Stack maw={560} gap="sm">
        <Title order={4}>{settings ? 'Change single sign-on' : 'Set up single sign-on'}</Title>
        <TextInput
          label="Issuer URL"
          description="From your provider, e.g. https://your-company.okta.com, https://login.microsoftonline.com/<tenant id>/v2.0, https://accounts.google.com or https://<host>/realms/<realm>"
          placeholder="https://"
          required
          {...form.getInputProps('issuer')}
        />
        <TextInput
          label="Client ID"
          description="The application's client ID (Entra ID: application ID)."
          required
          autoComplete="off"
          {...form.getInputProps('client_id')}
        />
        <PasswordInput
          label="Client secret"
          description={
            settings
              ? 'Stored sealed and never shown. Enter a new one only to replace it.'
              : 'The application’s client secret; it is stored sealed and never shown again.'
          }
          placeholder={settings ? 'leave empty to keep the stored secret' : undefined}
          required={!settings}
          autoComplete="new-password"
          {...form.getInputProps('client_secret')}
        />
        <TagsInput
          label="Allowed e-mail domains"
          description="People not yet members may join only with an address at one of these domains (press Enter or comma after each). Leave empty to allow any domain."
          placeholder={form.values.allowed_domains.length === 0 ? 'example.com' : undefined}
          splitChars={[',', ' ', ';']}
          clearable
          {...form.getInputProps('allowed_domains')}
        />
        <Select
          label="People who are not members yet"
          description="When someone your provider signs in is not a member of this organization. Members always sign in with their own role."
          allowDeselect={false}
          data={newcomerChoices}
          {...form.getInputProps('default_role')}
        />
        <FormAlert error={save.error} title="Could not save single sign-on" />
        <Group>
          <Button type="submit" loading={save.isPending}>
            {settings ? 'Save' : 'Turn on single sign-on'}
          </Button>
          <Button variant="default" onClick={onCancel} disabled={save.isPending}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Summary({
  settings,
  onEdit,
  onRemove,
  removing,
}: {
  settings: SsoSettings;
  onEdit: () => void;
  onRemove: () => void;
  removing: boolean;
}) {
  return (
    <Stack gap="md">
      <Table variant="vertical" layout="fixed" withTableBorder aria-label="Single sign-on settings" maw={900}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={240}>Issuer URL</Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{settings.issuer}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Client ID</Table.Th>
            <Table.Td style={{ wordBreak: 'break-all' }}>{settings.client_id}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Client secret</Table.Th>
            <Table.Td>
              Stored — never shown
              <Text span size="xs" c="dimmed">
                {' '}
                (Edit to replace it)
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Allowed e-mail domains</Table.Th>
            <Table.Td>
              {settings.allowed_domains.length === 0 ? (
                'Any domain'
              ) : (
                <Group gap={4}>
                  {settings.allowed_domains.map((d) => (
                    <Badge key={d} variant="light" tt="none">
                      {d}
                    </Badge>
                  ))}
                </Group>
              )}
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>People who are not members yet</Table.Th>
            <Table.Td>
              {newcomers(settings.default_role)}
              <Text span size="xs" c="dimmed">
                {' '}
                {settings.default_role
                  ? '— they become members at their first sign-in'
                  : '— an admin invites them first'}
              </Text>
            </Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Last changed</Table.Th>
            <Table.Td>{formatDateTime(settings.updated_at)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>Redirect URI</Table.Th>
            <Table.Td>
              <UrlToCopy url={settings.redirect_uri} copyLabel="Copy redirect URI" />
              <Text size="xs" c="dimmed" mt={4}>
                Registered at your provider, in the application&apos;s sign-in redirect URIs.
              </Text>
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Stack gap={6} maw={900}>
        <Title order={4}>Sign-in link</Title>
        <UrlToCopy url={settings.start_url} copyLabel="Copy sign-in link" />
        <Text size="sm" c="dimmed">
          Share this link with your people, or add it in your provider as the application&apos;s app tile
          (Okta: initiate login URI; Entra ID: home page URL). It takes them to your provider and back here,
          signed in. Clearview&apos;s sign-in page does not look up single sign-on by e-mail address, so this
          link is the way in.
        </Text>
      </Stack>
      <Group gap="xs">
        <Button variant="light" onClick={onEdit}>
          Edit
        </Button>
        <ConfirmButton
          variant="subtle"
          color="red"
          loading={removing}
          question="Remove single sign-on?"
          detail="The sign-in link stops working. Members then sign in with their e-mail and password; people who joined by single sign-on have no password yet and must set one with “Forgot your password?” on the sign-in page. Memberships and roles stay as they are."
          confirmLabel="Remove single sign-on"
          onConfirm={onRemove}
        >
          Remove single sign-on
        </ConfirmButton>
      </Group>
    </Stack>
  );
}

/** What the server does with a person the provider signs in (ADR 0037). */
function HowItWorks() {
  return (
    <Stack gap="xs">
      <Title order={4}>Who signs in, and how</Title>
      <List size="sm" spacing={6} maw={760}>
        <List.Item>
          <b>By e-mail address.</b> Clearview matches the address your provider sends, and only once the
          provider says it is verified. A person whose address is not verified there is not signed in.
        </List.Item>
        <List.Item>
          <b>Members</b> sign in with their own role, whatever their domain.
        </List.Item>
        <List.Item>
          <b>People who are not members yet</b> join with the role chosen in the settings when their domain is
          allowed; otherwise they are told to ask an admin for an invitation.
        </List.Item>
        <List.Item>
          <b>Two-step sign-in</b> still applies: people who turned it on in Clearview enter their code after
          the provider, and your organization&apos;s requirement holds as it does for passwords.
        </List.Item>
        <List.Item>
          <b>Passwords</b> keep working for members who have one.
        </List.Item>
      </List>
    </Stack>
  );
}

/** Admins: the organization's OpenID Connect provider, the redirect URI to register there and the sign-in link. */
export function SsoPanel() {
  const orgId = useSession().organization.id;
  const [editing, setEditing] = useState(false);
  const settings = useQuery({
    queryKey: ssoKey(orgId),
    queryFn: ({ signal }) => fetchSettings(orgId, signal),
  });
  const remove = useAction({
    run: () => send(api.DELETE('/api/organizations/{id}/sso', { params: { path: { id: orgId } } })),
    done: 'Single sign-on removed; members sign in with their passwords',
    failed: 'Could not remove single sign-on',
    refresh: ssoKey(orgId),
  });
  // Once set up, the summary shows the server's; before, it is this origin's callback.
  const redirectUri = settings.data ? null : `${window.location.origin}/api/auth/oidc/callback`;

  return (
    <Stack>
      <ProviderSteps redirectUri={redirectUri} />
      <Group gap="xs">
        <Title order={4}>Connection</Title>
        {settings.data !== undefined && (
          <Badge color={settings.data ? 'green' : 'gray'} variant="light">
            {settings.data ? 'On' : 'Off'}
          </Badge>
        )}
      </Group>
      {settings.isPending ? (
        <LoadingRows rows={3} />
      ) : settings.isError ? (
        <ErrorState
          error={settings.error}
          what="the single sign-on settings"
          onRetry={() => void settings.refetch()}
        />
      ) : editing ? (
        <SsoForm
          orgId={orgId}
          settings={settings.data}
          onDone={() => setEditing(false)}
          onCancel={() => setEditing(false)}
        />
      ) : settings.data === null ? (
        <Empty
          title="Single sign-on is off"
          action={<Button onClick={() => setEditing(true)}>Set up single sign-on</Button>}
        >
          Members sign in with their e-mail and password. Register the redirect URI above at your provider,
          then set up single sign-on with the details it gives you.
        </Empty>
      ) : (
        <Summary
          settings={settings.data}
          onEdit={() => setEditing(true)}
          onRemove={() => remove.mutate()}
          removing={remove.isPending}
        />
      )}
      <HowItWorks />
    </Stack>
  );
}
