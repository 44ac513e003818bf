import { copyField } from './copy-rows';

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
