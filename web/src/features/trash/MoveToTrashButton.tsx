import { IconTrash } from '@tabler/icons-react';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { useMoveToTrash, type TrashTarget } from './useTrashActions';

/** A record page's Delete: asks, moves it to the trash, offers Undo. */
export function MoveToTrashButton({ target }: { target: TrashTarget }) {
  const trash = useMoveToTrash();
  return (
    <ConfirmButton
      variant="default"
      color="red"
      leftSection={<IconTrash size={16} />}
      loading={trash.isPending}
      question={`Delete ${target.label}?`}
      detail="It goes to the trash with its links and stays there for 30 days: you can restore it from Trash until then."
      confirmLabel="Move to trash"
      onConfirm={() => trash.mutate(target)}
    >
      Delete
    </ConfirmButton>
  );
}
