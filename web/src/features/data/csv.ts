/** The fields a CSV column can fill (see `mapping` of POST /api/contacts/import). */
export const importFields = [
  { value: 'first_name', label: 'First name' },
  { value: 'last_name', label: 'Last name' },
  { value: 'email', label: 'E-mail' },
  { value: 'phone', label: 'Phone' },
  { value: 'title', label: 'Job title' },
  { value: 'company', label: 'Company name' },
  { value: 'company_domain', label: 'Company domain' },
] as const;

/** Splits one CSV line, honouring quotes ("a, b" and doubled "" inside quotes). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line.charAt(i);
    if (quoted) {
      if (ch === '"' && line.charAt(i + 1) === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** Header and the first rows, for mapping and the preview (quoted line breaks are not expected here). */
export function previewCsv(text: string, rows = 5): { headers: string[]; rows: string[][] } {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const [head = '', ...rest] = lines;
  return { headers: parseCsvLine(head), rows: rest.slice(0, rows).map(parseCsvLine) };
}

const guesses: Record<string, string> = {
  firstname: 'first_name',
  first: 'first_name',
  givenname: 'first_name',
  lastname: 'last_name',
  last: 'last_name',
  surname: 'last_name',
  familyname: 'last_name',
  email: 'email',
  emailaddress: 'email',
  mail: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  title: 'title',
  jobtitle: 'title',
  company: 'company',
  companyname: 'company',
  organization: 'company',
  domain: 'company_domain',
  companydomain: 'company_domain',
  website: 'company_domain',
};

/** A first guess of the field for each header; the person can change it. */
export function guessMapping(headers: string[]): Record<string, string | null> {
  return Object.fromEntries(headers.map((h) => [h, guesses[h.toLowerCase().replace(/[^a-z]/g, '')] ?? null]));
}
