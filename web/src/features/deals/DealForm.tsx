import { Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useNavigate } from 'react-router';
import { typedCurrency, type Deal, type Pipeline } from '../../api/types';
import { useMembers } from '../../app/members';
import { usePermissions, useSession } from '../../app/session';
import { FormAlert } from '../../ui/FormAlert';
import { blankToNull, showFieldErrors } from '../../ui/forms';
import { CompanySelect } from '../companies';
import { CustomFieldInputs, newRecordValues, useCustomFields } from '../customFields';
import { useSaveDeal } from './queries';

interface Props {
  opened: boolean;
  onClose: () => void;
  pipeline: Pipeline;
  deal?: Deal;
  /** For a new deal started from a contact or company page. */
  preset?: { contactIds?: string[]; companyId?: string | null };
}

export function DealForm({ opened, onClose, pipeline, deal, preset }: Props) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={deal ? 'Edit deal' : 'New deal'}
      size="lg"
      closeOnClickOutside={false}
    >
      {opened && <DealFields pipeline={pipeline} deal={deal} preset={preset} onDone={onClose} />}
    </Modal>
  );
}

const DECIMAL = /^\d+(\.\d{1,2})?$/;

function DealFields({
  pipeline,
  deal,
  preset,
  onDone,
}: {
  pipeline: Pipeline;
  deal?: Deal;
  preset?: Props['preset'];
  onDone: () => void;
}) {
  const me = useSession();
  const { canManage } = usePermissions();
  const members = useMembers();
  // A new record needs its required custom fields (the server refuses it
  // without them); the others are filled in on the record's page.
  const fields = useCustomFields('deal').data ?? [];
  const required = deal ? [] : fields.filter((f) => f.required);
  const save = useSaveDeal(deal?.id);
  const navigate = useNavigate();
  const openStages = pipeline.stages.filter((s) => s.kind === 'open');
  const form = useForm({
    initialValues: {
      title: deal?.title ?? '',
      amount: deal?.amount ?? '',
      currency: deal?.currency ?? me.organization.default_currency,
      stage_id: deal?.stage_id ?? openStages[0]?.id ?? null,
      company_id: deal?.company_id ?? preset?.companyId ?? null,
      expected_close_date: deal?.expected_close_date ?? '',
      owner_id: deal?.owner_id ?? null,
      custom_fields: {},
    },
    validate: {
      title: (v) => (v.trim() === '' ? 'Give the deal a name' : null),
      amount: (v) => (DECIMAL.test(v.trim()) ? null : 'Enter an amount like 12500 or 12500.50'),
      currency: (v) => (/^[A-Za-z]{3}$/.test(v.trim()) ? null : 'Three letters, e.g. EUR'),
    },
  });

  const submit = form.onSubmit((v) =>
    save.mutate(
      {
        title: v.title.trim(),
        amount: v.amount.trim(),
        currency: typedCurrency(v.currency),
        pipeline_id: pipeline.id,
        stage_id: v.stage_id,
        company_id: v.company_id,
        contact_ids: deal?.contact_ids ?? preset?.contactIds ?? [],
        expected_close_date: blankToNull(v.expected_close_date),
        owner_id: v.owner_id,
        lost_reason: deal?.lost_reason ?? null,
        ...(deal ? {} : { custom_fields: newRecordValues(required, v.custom_fields) }),
      },
      {
        onSuccess: (saved) => {
          onDone();
          if (!deal) void navigate(`/deals/${saved.id}`);
        },
        onError: (error) => showFieldErrors(form, error),
      },
    ),
  );

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput label="Title" required data-autofocus {...form.getInputProps('title')} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Amount"
            required
            inputMode="decimal"
            placeholder="12500.00"
            {...form.getInputProps('amount')}
          />
          <TextInput label="Currency" required maxLength={3} {...form.getInputProps('currency')} />
          <Select
            label="Stage"
            data={pipeline.stages.map((s) => ({ value: s.id, label: `${s.name} (${s.probability} %)` }))}
            allowDeselect={false}
            {...form.getInputProps('stage_id')}
          />
          <TextInput label="Expected close date" type="date" {...form.getInputProps('expected_close_date')} />
          <CompanySelect
            value={form.values.company_id}
            onChange={(id) => form.setFieldValue('company_id', id)}
            error={form.errors.company_id}
          />
          {canManage && (
            <Select
              label="Owner"
              placeholder="Me"
              clearable
              data={(members.data ?? []).map((m) => ({ value: m.user_id, label: m.name }))}
              {...form.getInputProps('owner_id')}
            />
          )}
        </SimpleGrid>
        {required.length > 0 && (
          <CustomFieldInputs fields={required} getInputProps={form.getInputProps} cols={2} />
        )}
        <FormAlert error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {deal ? 'Save changes' : 'Create deal'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
