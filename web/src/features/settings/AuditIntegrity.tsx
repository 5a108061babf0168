import { Alert, Button, Group, Text } from '@mantine/core';
import { IconShieldCheck, IconShieldX } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { unwrap } from '../../api/result';

/**
 * Admins check that no entry of the trail was edited or deleted since it
 * was written (each entry carries the hash of the one before it).
 */
export function AuditIntegrity() {
  const check = useMutation({
    mutationFn: () => unwrap(api.GET('/api/audit-log/verify', {})),
  });
  const result = check.data;
  return (
    <Group justify="space-between" align="flex-start" mb="md" wrap="nowrap">
      <div style={{ flex: 1 }}>
        {result?.ok === true && (
          <Alert color="teal" icon={<IconShieldCheck />} title="The audit log is intact">
            All {result.checked} entries are as they were written, and none is missing.
          </Alert>
        )}
        {result && !result.ok && result.broken && (
          <Alert color="red" icon={<IconShieldX />} title="The audit log was tampered with">
            Entry {result.broken.seq}: {result.broken.problem}. The {result.checked} entries before it are
            intact.
          </Alert>
        )}
        {check.isError && (
          <Alert color="red" title="Could not check the audit log">
            {describeError(check.error)}
          </Alert>
        )}
        {!result && !check.isError && (
          <Text size="sm" c="dimmed">
            Each entry is chained to the one before it, so an edited or deleted entry can be found.
          </Text>
        )}
      </div>
      <Button variant="default" onClick={() => check.mutate()} loading={check.isPending}>
        Check integrity
      </Button>
    </Group>
  );
}
