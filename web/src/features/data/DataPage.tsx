import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDownload } from '@tabler/icons-react';
import { describeError } from '../../api/problem';
import { usePermissions } from '../../app/session';
import { downloadFromApi } from '../../ui/download';
import { PageHeader } from '../../ui/PageHeader';
import { ImportWizard } from './ImportWizard';

const exports = [
  { path: '/api/contacts/export', label: 'Contacts' },
  { path: '/api/companies/export', label: 'Companies' },
  { path: '/api/deals/export', label: 'Deals' },
];

export function DataPage() {
  const { canEdit, canExport } = usePermissions();
  return (
    <>
      <PageHeader
        title="Data / Import"
        description="Bring contacts in from a spreadsheet, or take your data out as CSV."
      />
      <Stack>
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Import contacts
          </Title>
          {canEdit ? (
            <ImportWizard />
          ) : (
            <Text c="dimmed">Viewers cannot import. Ask a rep, manager or admin.</Text>
          )}
        </Card>
        <Card withBorder>
          <Title order={3} size="h4" mb="sm">
            Export as CSV
          </Title>
          {canExport ? (
            <Group>
              {exports.map((e) => (
                <Button
                  key={e.path}
                  variant="default"
                  leftSection={<IconDownload size={16} />}
                  onClick={() =>
                    downloadFromApi(e.path).catch((err: unknown) =>
                      notifications.show({
                        color: 'red',
                        title: 'Could not export',
                        message: describeError(err),
                      }),
                    )
                  }
                >
                  {e.label}
                </Button>
              ))}
            </Group>
          ) : (
            <Text c="dimmed">Exports are for admins and managers.</Text>
          )}
        </Card>
      </Stack>
    </>
  );
}
