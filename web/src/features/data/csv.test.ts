import { describe, expect, it } from 'vitest';
import { guessMapping, parseCsvLine, previewCsv } from './csv';

describe('CSV preview', () => {
  it('splits quoted cells', () => {
    expect(parseCsvLine('"Hopper, Grace",grace@navy.test,"say ""hi"""')).toEqual([
      'Hopper, Grace',
      'grace@navy.test',
      'say "hi"',
    ]);
  });

  it('reads the header and first rows', () => {
    const csv = '\uFEFFFirst Name,Last Name,Email\r\nAda,Lovelace,ada@x.test\r\nGrace,Hopper,g@x.test\r\n';
    expect(previewCsv(csv)).toEqual({
      headers: ['First Name', 'Last Name', 'Email'],
      rows: [
        ['Ada', 'Lovelace', 'ada@x.test'],
        ['Grace', 'Hopper', 'g@x.test'],
      ],
    });
  });

  it('guesses fields from usual header names', () => {
    expect(guessMapping(['First Name', 'E-mail', 'Website', 'Notes'])).toEqual({
      'First Name': 'first_name',
      'E-mail': 'email',
      Website: 'company_domain',
      Notes: null,
    });
  });
});
