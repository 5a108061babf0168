import type { StageKind } from '../../api/types';

export const stageKinds: { value: StageKind; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'won', label: 'Won' },
  { value: 'lost', label: 'Lost' },
];
