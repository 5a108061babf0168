import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { send, unwrap } from '../../api/result';
import type { components } from '../../api/schema';

type StageBody = components['schemas']['StageBody'];
type StagePatch = components['schemas']['StagePatchBody'];

/** Every change to pipelines and stages; each refreshes pipelines and boards and reports a refusal. */
export function usePipelineMutations() {
  const queryClient = useQueryClient();
  const done = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['pipelines'] }),
      queryClient.invalidateQueries({ queryKey: ['deals', 'board'] }),
    ]);
  const fail = (title: string) => (error: unknown) =>
    notifications.show({ color: 'red', title, message: describeError(error) });
  return {
    create: useMutation({
      mutationFn: (name: string) =>
        unwrap(
          api.POST('/api/pipelines', {
            body: {
              name,
              stages: [
                { name: 'Qualified', probability: 20, kind: 'open' },
                { name: 'Proposal', probability: 50, kind: 'open' },
                { name: 'Negotiation', probability: 80, kind: 'open' },
                { name: 'Won', probability: 100, kind: 'won' },
                { name: 'Lost', probability: 0, kind: 'lost' },
              ],
            },
          }),
        ),
      onSuccess: done,
    }),
    makeDefault: useMutation({
      mutationFn: (id: string) =>
        unwrap(api.PATCH('/api/pipelines/{id}', { params: { path: { id } }, body: { is_default: true } })),
      onSuccess: done,
      onError: fail('Could not make it the default'),
    }),
    addStage: useMutation({
      mutationFn: ({ pipelineId, body }: { pipelineId: string; body: StageBody }) =>
        unwrap(
          api.POST('/api/pipelines/{pipeline_id}/stages', {
            params: { path: { pipeline_id: pipelineId } },
            body,
          }),
        ),
      onSuccess: done,
    }),
    updateStage: useMutation({
      mutationFn: ({
        pipelineId,
        stageId,
        body,
      }: {
        pipelineId: string;
        stageId: string;
        body: StagePatch;
      }) =>
        unwrap(
          api.PATCH('/api/pipelines/{pipeline_id}/stages/{stage_id}', {
            params: { path: { pipeline_id: pipelineId, stage_id: stageId } },
            body,
          }),
        ),
      onSuccess: done,
    }),
    reorder: useMutation({
      mutationFn: ({ pipelineId, stageIds }: { pipelineId: string; stageIds: string[] }) =>
        unwrap(
          api.PUT('/api/pipelines/{pipeline_id}/stages/order', {
            params: { path: { pipeline_id: pipelineId } },
            body: { stage_ids: stageIds },
          }),
        ),
      onSuccess: done,
      onError: fail('Could not reorder the stages'),
    }),
    deleteStage: useMutation({
      mutationFn: ({
        pipelineId,
        stageId,
        moveTo,
      }: {
        pipelineId: string;
        stageId: string;
        moveTo: string | null;
      }) =>
        send(
          api.DELETE('/api/pipelines/{pipeline_id}/stages/{stage_id}', {
            params: {
              path: { pipeline_id: pipelineId, stage_id: stageId },
              query: moveTo ? { move_to_stage_id: moveTo } : {},
            },
          }),
        ),
      onSuccess: done,
      onError: fail('Could not delete the stage'),
    }),
  };
}
