import { useEffect, useState } from 'react';
import { useLocation, useNavigationType, useSearchParams } from 'react-router';

/** How long the box waits after the last key before it writes the URL. */
export const SEARCH_WRITE_DELAY_MS = 250;

/** `location.state` of the URL writes of a search box: the parameter and the value written. */
export function searchWriteState(
  param: string,
  value: string,
): { searchBox: { param: string; value: string } } {
  return { searchBox: { param, value } };
}

/**
 * Whether a new URL value of `param` is the arrival of the box's own write
 * (keep the box as it is: the user may have typed on since), rather than a
 * navigation from elsewhere (take it into the box). A back or forward
 * navigation is always from elsewhere, even to an entry the box wrote.
 */
export function isOwnSearchWrite(
  state: unknown,
  navigationType: string,
  param: string,
  value: string,
): boolean {
  if (navigationType === 'POP') return false;
  if (typeof state !== 'object' || state === null || !('searchBox' in state)) return false;
  const written: unknown = state.searchBox;
  return (
    typeof written === 'object' &&
    written !== null &&
    'param' in written &&
    'value' in written &&
    written.param === param &&
    written.value === value
  );
}

/** `params` with `param` set to `value`, or without it when `value` is empty. */
export function withSearchParam(params: URLSearchParams, param: string, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(param, value);
  else next.delete(param);
  return next;
}

/**
 * The text of a search box backed by the URL parameter `param`.
 *
 * The box keeps its own state and shows every key at once; the URL follows
 * once typing pauses. React Router applies URL changes as low-priority
 * updates, so a box that showed the URL's value could be reset to an older
 * value by one that had not arrived yet, losing the keys typed meanwhile.
 * A change of the parameter that the box did not write (back, forward, a
 * link) replaces the text.
 *
 * Lists read what to search for from the URL, not from here.
 */
export function useUrlSearchText(
  param: string,
  delay: number = SEARCH_WRITE_DELAY_MS,
): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const location = useLocation();
  const state: unknown = location.state;
  const navigationType = useNavigationType();
  const urlValue = params.get(param) ?? '';
  const [text, setText] = useState(urlValue);
  // The URL value the box has last taken into account.
  const [seen, setSeen] = useState(urlValue);

  if (urlValue !== seen) {
    setSeen(urlValue);
    if (!isOwnSearchWrite(state, navigationType, param, urlValue)) setText(urlValue);
  }

  useEffect(() => {
    if (text === urlValue) return;
    // Every key restarts the wait: one URL write per pause in typing.
    const timer = setTimeout(() => {
      setParams((prev) => withSearchParam(prev, param, text), {
        replace: true,
        state: searchWriteState(param, text),
      });
    }, delay);
    return () => clearTimeout(timer);
  }, [text, urlValue, param, delay, setParams]);

  return [text, setText];
}
