import { TextInput, type TextInputProps } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useUrlSearchText } from './urlSearch';

type Props = Omit<TextInputProps, 'value' | 'defaultValue' | 'onChange'> & {
  /** The URL parameter that holds the search (`q`). */
  param?: string;
};

/**
 * A search box whose text lives in the URL (see useUrlSearchText). Its own
 * component: a key redraws the box, not the list under it, which follows the
 * URL once typing pauses.
 */
export function UrlSearchInput({ param = 'q', ...props }: Props) {
  const [text, setText] = useUrlSearchText(param);
  return (
    <TextInput
      label="Search"
      leftSection={<IconSearch size={16} />}
      {...props}
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
    />
  );
}
