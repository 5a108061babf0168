import { useSearchParams } from 'react-router';

/** The `token` of an e-mailed link. */
export function useToken(): string {
  const [params] = useSearchParams();
  return params.get('token') ?? '';
}
