import fc from 'fast-check';
import { copyField, copyText } from './copy-rows';

describe('a field as COPY writes it', () => {
  it.each([
    ['\\N', null],
    ['plain', 'plain'],
    ['', ''],
    ['a\\tb\\nc\\rd\\\\e', 'a\tb\nc\rd\\e'],
    ['\\b\\f\\v', '\b\f\v'],
    ['\\\\N', '\\N'],
    ['C:\\\\temp\\\\new', 'C:\\temp\\new'],
  ])('the field %j is %j', (field, value) => {
    expect(copyField(field)).toBe(value);
  });
});

describe('a value as COPY reads it', () => {
  it.each([
    [null, '\\N'],
    ['plain', 'plain'],
    ['\\N', '\\\\N'],
    ['a\tb\nc\rd\\e', 'a\\tb\\nc\\rd\\\\e'],
    ['\b\f\v 𝔘', '\b\f\v 𝔘'],
  ])('the value %j is written %j', (value, field) => {
    expect(copyText(value)).toBe(field);
  });

  it('is read back as it was, and holds no raw tab or line break', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary' }), { nil: null }), (value) => {
        const field = copyText(value);
        expect(field).not.toMatch(/[\t\n\r]/);
        expect(copyField(field)).toBe(value);
      }),
    );
  });
});
