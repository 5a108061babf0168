import { useEffect, useRef, useState } from 'react';

/**
 * What the box should do when the URL's value becomes `urlValue`, given the
 * values this box wrote that the URL has not shown yet (oldest first): an
 * echo of our own write only drops the writes up to it; anything else came
 * from elsewhere (back, forward, a link) and replaces the text.
 */
export function onUrlValue(
  pending: readonly string[],
  urlValue: string,
): { pending: string[]; replaceWith?: string } {
  const echo = pending.indexOf(urlValue);
  if (echo >= 0) return { pending: pending.slice(echo + 1) };
  return { pending: [], replaceWith: urlValue };
}

/**
 * A text box backed by a URL parameter. The box shows each key at once (its
 * own state) and the URL follows. React Router applies URL changes as
 * low-priority updates, so a box that showed the URL itself could lose a key
 * typed while one was pending.
 */
export function useUrlText(
  urlValue: string,
  write: (value: string) => void,
): [string, (value: string) => void] {
  const [text, setText] = useState(urlValue);
  const pending = useRef<string[]>([]);
  useEffect(() => {
    const next = onUrlValue(pending.current, urlValue);
    pending.current = next.pending;
    if (next.replaceWith !== undefined) setText(next.replaceWith);
  }, [urlValue]);
  const change = (value: string) => {
    setText(value);
    pending.current.push(value);
    write(value);
  };
  return [text, change];
}
