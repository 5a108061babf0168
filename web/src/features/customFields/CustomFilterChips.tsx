import { Badge, CloseButton, Group } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { customFilterParams, describeFilter, filterableFields, paramNames } from './filters';
import { useCustomFields } from './queries';
import type { CustomEntity } from './values';

/** The list's custom field filters as removable chips (one per field). */
export function CustomFilterChips({ entity }: { entity: CustomEntity }) {
  const [params, setParams] = useSearchParams();
  const fields = filterableFields(useCustomFields(entity).data ?? []);
  const filters = customFilterParams(params, fields);
  const chips = fields.flatMap((field) => {
    const text = describeFilter(field, filters);
    return text ? [{ field, text }] : [];
  });
  if (chips.length === 0) return null;
  return (
    <Group gap="xs" mb="md" aria-label="Custom field filters" role="group">
      {chips.map(({ field, text }) => (
        <Badge
          key={field.key}
          size="lg"
          variant="light"
          tt="none"
          rightSection={
            <CloseButton
              size="xs"
              variant="transparent"
              aria-label={`Remove filter ${text}`}
              onClick={() =>
                setParams(
                  (prev) => {
                    const next = new URLSearchParams(prev);
                    for (const name of paramNames(field)) next.delete(name);
                    return next;
                  },
                  { replace: true },
                )
              }
            />
          }
        >
          {text}
        </Badge>
      ))}
    </Group>
  );
}
