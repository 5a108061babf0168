/** What a saved view holds, read from and written to a list page's URL. */

export type ViewEntity = 'contact' | 'company' | 'deal';

/** The list filters a view keeps (the server checks the same names). */
const filterKeys: Record<ViewEntity, readonly string[]> = {
  contact: ['q', 'owner_id', 'company_id'],
  company: ['q', 'owner_id'],
  deal: ['q', 'owner_id', 'pipeline_id', 'stage_id', 'status'],
};

export interface ViewShape {
  filters: Record<string, string>;
  sort: string | null;
  columns: string[];
}

/** The view the URL shows now. */
export function shapeOf(entity: ViewEntity, params: URLSearchParams): ViewShape {
  const filters: Record<string, string> = {};
  for (const key of filterKeys[entity]) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  // Custom field filters (`cf.<key>`, `cf.<key>.gte|lte`) are kept too; the server checks the keys.
  for (const [key, raw] of params) {
    const value = raw.trim();
    if (key.startsWith('cf.') && value) filters[key] = value;
  }
  const cols = params.get('cols');
  return { filters, sort: params.get('sort'), columns: cols ? cols.split(',').filter(Boolean) : [] };
}

/** The URL of a view (`view` names it, so its tab is the active one). */
export function paramsOf(shape: ViewShape, viewId?: string): URLSearchParams {
  const params = new URLSearchParams();
  if (viewId) params.set('view', viewId);
  for (const [key, value] of Object.entries(shape.filters)) params.set(key, value);
  if (shape.sort) params.set('sort', shape.sort);
  if (shape.columns.length > 0) params.set('cols', shape.columns.join(','));
  return params;
}

/** Whether two shapes show the same list (key order does not count). */
export function sameShape(a: ViewShape, b: ViewShape): boolean {
  const filters = (s: ViewShape) => JSON.stringify(Object.entries(s.filters).sort());
  return (
    filters(a) === filters(b) &&
    (a.sort ?? null) === (b.sort ?? null) &&
    a.columns.join() === b.columns.join()
  );
}

/** The columns to show: the view's, or the list's defaults. */
export function visibleColumns(params: URLSearchParams, defaults: readonly string[]): string[] {
  const cols = params.get('cols');
  return cols ? cols.split(',').filter(Boolean) : [...defaults];
}
