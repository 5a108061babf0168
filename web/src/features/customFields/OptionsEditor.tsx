import { ActionIcon, Button, Group, Input, Stack, TextInput } from '@mantine/core';
import type { GetInputPropsReturnType } from '@mantine/form';
import { IconPlus, IconX } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { OptionRow } from './options';

/** The choices of a select field: rename, add, remove. */
export function OptionsEditor({
  rows,
  inputProps,
  error,
  onAdd,
  onRemove,
}: {
  rows: OptionRow[];
  inputProps: (index: number) => GetInputPropsReturnType;
  error?: ReactNode;
  onAdd: () => void;
  onRemove: (index: number) => void;
}) {
  return (
    <Input.Wrapper label="Options" required error={error}>
      <Stack gap={6} mt={4}>
        {rows.map((row, i) => (
          <Group key={row.rowId} gap="xs" align="flex-start" wrap="nowrap">
            <TextInput
              aria-label={`Option ${i + 1}`}
              placeholder={i === 0 ? 'e.g. Gold' : undefined}
              style={{ flex: 1 }}
              {...inputProps(i)}
            />
            <ActionIcon
              variant="subtle"
              color="gray"
              size="lg"
              aria-label={`Remove option ${i + 1}`}
              disabled={rows.length === 1}
              onClick={() => onRemove(i)}
            >
              <IconX size={16} />
            </ActionIcon>
          </Group>
        ))}
        <Button
          variant="subtle"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={onAdd}
          w="fit-content"
        >
          Add option
        </Button>
      </Stack>
    </Input.Wrapper>
  );
}
