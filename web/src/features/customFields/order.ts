/** Moving a field up or down among its entity's fields (`position` orders them). */
import type { CustomField } from '../../api/types';

/**
 * The fields with the one at `index` moved by `delta` places, each
 * positioned at its index (so fields that shared a position get their own).
 */
export function moved(fields: CustomField[], index: number, delta: -1 | 1): CustomField[] {
  const target = index + delta;
  if (index < 0 || index >= fields.length || target < 0 || target >= fields.length) return fields;
  const next = [...fields];
  const [field] = next.splice(index, 1);
  if (field) next.splice(target, 0, field);
  return next.map((f, position) => ({ ...f, position }));
}

/** What to send: the fields whose position differs from before. */
export function positionChanges(
  before: CustomField[],
  after: CustomField[],
): { id: string; position: number }[] {
  return after
    .filter((f) => before.find((b) => b.id === f.id)?.position !== f.position)
    .map((f) => ({ id: f.id, position: f.position }));
}

/** Where a new field goes: after every other. */
export function nextPosition(fields: CustomField[]): number {
  return fields.reduce((max, f) => Math.max(max, f.position + 1), 0);
}
