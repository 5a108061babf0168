import { Checkbox, MultiSelect, Select, Text, TextInput, Textarea } from '@mantine/core';
import type { GetInputPropsReturnType } from '@mantine/form';
import type { CustomField } from '../../api/types';

/** The input that suits a field's type; `inputProps` come from the form (`getInputProps`). */
export function CustomFieldInput({
  field,
  inputProps,
  inGrid = false,
}: {
  field: CustomField;
  inputProps: GetInputPropsReturnType;
  /** Beside other inputs in a row: a checkbox then sits level with their boxes. */
  inGrid?: boolean;
}) {
  const common = { label: field.label, required: field.required, ...inputProps };
  const options = field.options.map((o) => ({ value: o.key ?? o.label, label: o.label }));
  switch (field.type) {
    case 'long_text':
      return <Textarea autosize minRows={2} maxRows={8} {...common} />;
    case 'number':
      return <TextInput inputMode="decimal" placeholder="e.g. 12.5" {...common} />;
    case 'currency':
      return (
        <TextInput
          inputMode="decimal"
          placeholder="e.g. 1200.50"
          rightSection={
            <Text size="xs" c="dimmed">
              {field.currency}
            </Text>
          }
          {...common}
        />
      );
    case 'date':
      return <TextInput type="date" {...common} />;
    case 'boolean':
      return <Checkbox mt={inGrid ? { base: 0, sm: 30 } : 0} {...common} />;
    case 'single_select':
      return (
        <Select
          data={options}
          clearable={!field.required}
          searchable={options.length > 8}
          placeholder="Pick one"
          {...common}
        />
      );
    case 'multi_select':
      return <MultiSelect data={options} clearable searchable={options.length > 8} {...common} />;
    default:
      return <TextInput maxLength={255} {...common} />;
  }
}
