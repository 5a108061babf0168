import { Anchor, Skeleton, Text } from '@mantine/core';
import { Link } from 'react-router';
import { useCompany } from './queries';

/** A company's name linking to its page; "—" when there is none. */
export function CompanyLink({ id }: { id: string | null | undefined }) {
  const company = useCompany(id);
  if (!id) return <Text span>—</Text>;
  if (company.isPending) return <Skeleton height={14} width={120} display="inline-block" />;
  if (company.isError)
    return (
      <Text span c="dimmed">
        Not visible to you
      </Text>
    );
  return (
    <Anchor component={Link} to={`/companies/${id}`}>
      {company.data.name}
    </Anchor>
  );
}
