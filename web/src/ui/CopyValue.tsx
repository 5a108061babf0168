import { Button, CopyButton } from '@mantine/core';

/** A small button that copies `value` and says so for a moment. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Button size="xs" variant="light" onClick={copy} style={{ flexShrink: 0 }}>
          {copied ? 'Copied' : label}
        </Button>
      )}
    </CopyButton>
  );
}
