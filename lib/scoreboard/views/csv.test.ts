import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';

describe('csvField', () => {
  it('leaves plain text and numbers alone', () => {
    expect(csvField('Reference solution')).toBe('Reference solution');
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField(null)).toBe('');
  });
  it('quotes fields with commas, quotes or line breaks and doubles the quotes', () => {
    expect(csvField('short by 3 messages, late')).toBe('"short by 3 messages, late"');
    expect(csvField('the "fast" team')).toBe('"the ""fast"" team"');
    expect(csvField('line one\nline two')).toBe('"line one\nline two"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });
  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('+1')).toBe("'+1");
  });
});

describe('toCsv', () => {
  it('writes a header and rows with CRLF line ends', () => {
    expect(
      toCsv(
        ['rank', 'team'],
        [
          [1, 'a,b'],
          [2, 'c'],
        ],
      ),
    ).toBe('rank,team\r\n1,"a,b"\r\n2,c\r\n');
  });
});
