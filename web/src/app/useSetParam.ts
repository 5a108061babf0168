import { useSearchParams } from 'react-router';

/** Sets (or, with null, removes) one query parameter in place, keeping the others. */
export function useSetParam(): (key: string, value: string | null) => void {
  const [, setParams] = useSearchParams();
  return (key, value) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
}
