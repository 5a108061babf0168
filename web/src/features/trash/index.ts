export { MoveToTrashButton } from './MoveToTrashButton';
export { useMoveToTrash } from './useTrashActions';
