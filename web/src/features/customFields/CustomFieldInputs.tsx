import { SimpleGrid } from '@mantine/core';
import type { GetInputPropsOptions, GetInputPropsReturnType } from '@mantine/form';
import type { CustomField } from '../../api/types';
import { CustomFieldInput } from './CustomFieldInput';
import { inputOptions, toInput, type InputValue } from './values';

type GetInputProps = (path: string, options?: GetInputPropsOptions) => GetInputPropsReturnType;

/**
 * One input per field, bound to `custom_fields.<key>` of a form, so a 422
 * naming `custom_fields.<key>` shows beside its input. A key the form has no
 * value for yet (fields load after the form) starts empty.
 */
export function CustomFieldInputs({
  fields,
  getInputProps,
  cols = 1,
}: {
  fields: CustomField[];
  getInputProps: GetInputProps;
  cols?: number;
}) {
  return (
    <SimpleGrid cols={{ base: 1, sm: cols }}>
      {fields.map((f) => {
        const props = getInputProps(`custom_fields.${f.key}`, inputOptions(f));
        const empty = toInput(f, undefined);
        const bound =
          f.type === 'boolean'
            ? { ...props, checked: props.checked === true }
            : { ...props, value: (props.value as InputValue | undefined) ?? empty };
        return <CustomFieldInput key={f.id} field={f} inputProps={bound} inGrid={cols > 1} />;
      })}
    </SimpleGrid>
  );
}
