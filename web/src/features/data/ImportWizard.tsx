import {
  Button,
  Checkbox,
  FileInput,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Stepper,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { IconFileTypeCsv } from '@tabler/icons-react';
import { useState } from 'react';
import { FormAlert } from '../../ui/FormAlert';
import { guessMapping, importFields, previewCsv } from './csv';
import { ImportResult } from './ImportResult';
import { useStartImport } from './importQueries';

interface Preview {
  headers: string[];
  rows: string[][];
}

const PREVIEW_BYTES = 64 * 1024;

/** Choose a CSV, map its columns with a preview, import, then see the report. */
export function ImportWizard() {
  const [step, setStep] = useState(0);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [mode, setMode] = useState<'skip' | 'update'>('skip');
  const [createCompanies, setCreateCompanies] = useState(true);
  const [importId, setImportId] = useState<string | null>(null);
  const start = useStartImport();

  const choose = async (f: File | null) => {
    setFile(f);
    if (!f) {
      setPreview(null);
      return;
    }
    const p = previewCsv(await f.slice(0, PREVIEW_BYTES).text());
    setPreview(p);
    setMapping(guessMapping(p.headers));
  };
  const mapped = Object.fromEntries(
    Object.entries(mapping).filter((e): e is [string, string] => e[1] !== null),
  );
  const reset = () => {
    setStep(0);
    setFile(null);
    setPreview(null);
    setImportId(null);
    start.reset();
  };

  return (
    <Stepper active={step} onStepClick={(s) => s < step && !importId && setStep(s)} size="sm">
      <Stepper.Step label="File" description="Choose a CSV">
        <Stack mt="md" maw={480}>
          <FileInput
            label="CSV file of contacts"
            description="A header row first. Up to hundreds of thousands of rows."
            accept=".csv,text/csv"
            leftSection={<IconFileTypeCsv size={18} />}
            value={file}
            onChange={(f) => void choose(f)}
            clearable
          />
          <Group>
            <Button disabled={!preview || preview.headers.length === 0} onClick={() => setStep(1)}>
              Next: map columns
            </Button>
          </Group>
        </Stack>
      </Stepper.Step>
      <Stepper.Step label="Columns" description="Map and preview">
        {preview && (
          <Stack mt="md">
            <Table.ScrollContainer minWidth={600}>
              <Table aria-label="Column mapping and preview" withTableBorder>
                <Table.Thead>
                  <Table.Tr>
                    {preview.headers.map((h) => (
                      <Table.Th key={h}>
                        <Select
                          // Shows the column's name; its accessible name is "Field for column <name>".
                          label={
                            <>
                              <VisuallyHidden>Field for column </VisuallyHidden>
                              {h}
                            </>
                          }
                          styles={{ label: { color: 'var(--mantine-color-dimmed)', fontWeight: 400 } }}
                          placeholder="Ignore"
                          clearable
                          allowDeselect={false}
                          size="xs"
                          data={importFields.map((f) => ({ ...f }))}
                          value={mapping[h] ?? null}
                          onChange={(v) => setMapping((m) => ({ ...m, [h]: v }))}
                        />
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.rows.map((r, i) => (
                    <Table.Tr key={i}>
                      {preview.headers.map((h, j) => (
                        <Table.Td key={h} c={mapping[h] ? undefined : 'dimmed'}>
                          {r[j] ?? ''}
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <div>
              <Text size="sm" fw={500} id="import-mode">
                Contacts whose e-mail already exists
              </Text>
              <SegmentedControl
                aria-labelledby="import-mode"
                value={mode}
                onChange={(v) => setMode(v === 'update' ? 'update' : 'skip')}
                data={[
                  { value: 'skip', label: 'Leave them as they are' },
                  { value: 'update', label: 'Update them from the file' },
                ]}
              />
            </div>
            <Checkbox
              label="Create companies named in the file that do not exist yet"
              checked={createCompanies}
              onChange={(e) => setCreateCompanies(e.currentTarget.checked)}
            />
            <FormAlert error={start.error} title="Could not start the import" listFields />
            <Group>
              <Button variant="default" onClick={() => setStep(0)}>
                Back
              </Button>
              <Button
                disabled={!file || Object.keys(mapped).length === 0}
                loading={start.isPending}
                onClick={() =>
                  file &&
                  start.mutate(
                    { file, mapping: mapped, mode, createCompanies },
                    {
                      onSuccess: (accepted) => {
                        setImportId(accepted.id);
                        setStep(2);
                      },
                    },
                  )
                }
              >
                Import {file?.name}
              </Button>
            </Group>
          </Stack>
        )}
      </Stepper.Step>
      <Stepper.Step label="Import" description="Progress and report">
        <Stack mt="md">{importId && <ImportResult id={importId} onAnother={reset} />}</Stack>
      </Stepper.Step>
    </Stepper>
  );
}
