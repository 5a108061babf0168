import { Table } from '@mantine/core';
import type { CustomField } from '../../api/types';
import { displayValue } from './values';

/** A list row's cells for the custom field columns shown (after the built-in ones). */
export function CustomCells({
  fields,
  show,
  values,
}: {
  fields: CustomField[];
  show: (column: string) => boolean;
  values: Record<string, unknown>;
}) {
  return (
    <>
      {fields
        .filter((f) => show(`cf.${f.key}`))
        .map((f) => (
          <Table.Td key={f.id}>{displayValue(f, values[f.key])}</Table.Td>
        ))}
    </>
  );
}
