export { MoveToTrashButton } from './MoveToTrashButton';
