import { Tabs } from '@mantine/core';
import { useNavigate, useParams } from 'react-router';
import { usePermissions } from '../../app/session';
import { CustomFieldsPanel } from '../customFields';
import { PageHeader } from '../../ui/PageHeader';
import { ApiKeysPanel } from './ApiKeysPanel';
import { AuditLogPanel } from './AuditLogPanel';
import { JobsPanel } from './JobsPanel';
import { MembersPanel } from './MembersPanel';
import { OrganizationPanel } from './OrganizationPanel';
import { PipelinesPanel } from './PipelinesPanel';
import { RatesPanel } from './RatesPanel';
import { ScimPanel } from './ScimPanel';
import { SsoPanel } from './SsoPanel';
import { WebhooksPanel } from './WebhooksPanel';

export function SettingsPage() {
  const { tab = 'organization' } = useParams();
  const navigate = useNavigate();
  const { isAdmin, canReadAudit } = usePermissions();
  return (
    <>
      <PageHeader title="Settings" description="Your organization, sales process and team." />
      <Tabs
        value={tab}
        onChange={(v) => void navigate(`/settings/${v ?? 'organization'}`, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="organization">Organization</Tabs.Tab>
          <Tabs.Tab value="pipelines">Pipelines</Tabs.Tab>
          <Tabs.Tab value="members">Members</Tabs.Tab>
          <Tabs.Tab value="rates">Exchange rates</Tabs.Tab>
          {isAdmin && <Tabs.Tab value="custom-fields">Custom fields</Tabs.Tab>}
          {canReadAudit && <Tabs.Tab value="audit">Audit log</Tabs.Tab>}
          {isAdmin && <Tabs.Tab value="jobs">Jobs</Tabs.Tab>}
          {isAdmin && <Tabs.Tab value="api-keys">API keys</Tabs.Tab>}
          {isAdmin && <Tabs.Tab value="webhooks">Webhooks</Tabs.Tab>}
          {isAdmin && <Tabs.Tab value="scim">Directory sync</Tabs.Tab>}
          {isAdmin && <Tabs.Tab value="sso">Single sign-on</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="organization">
          <OrganizationPanel />
        </Tabs.Panel>
        <Tabs.Panel value="pipelines">
          <PipelinesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="members">
          <MembersPanel />
        </Tabs.Panel>
        <Tabs.Panel value="rates">
          <RatesPanel />
        </Tabs.Panel>
        <Tabs.Panel value="custom-fields">
          <CustomFieldsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="audit">
          <AuditLogPanel />
        </Tabs.Panel>
        <Tabs.Panel value="jobs">
          <JobsPanel />
        </Tabs.Panel>
        <Tabs.Panel value="api-keys">
          <ApiKeysPanel />
        </Tabs.Panel>
        <Tabs.Panel value="webhooks">
          <WebhooksPanel />
        </Tabs.Panel>
        <Tabs.Panel value="scim">
          <ScimPanel />
        </Tabs.Panel>
        <Tabs.Panel value="sso">
          <SsoPanel />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
