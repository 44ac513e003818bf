import { loadDemoSeeds } from '../simulators/data/demo-data';
import { normaliseSectorName, SectorCatalogue } from './sectors';

describe('sector catalogue', () => {
  const catalogue = SectorCatalogue.load(loadDemoSeeds().sectors);

  it('normalises Unicode form, case, spacing and punctuation', () => {
    expect(normaliseSectorName('  HỘ   TỊCH '.normalize('NFD'))).toBe('hộ tịch');
    expect(normaliseSectorName('Thi đua - Khen thưởng')).toBe(
      normaliseSectorName('thi đua, khen thưởng'),
    );
  });

  it('matches by code, by normalised name and by alias', () => {
    expect(catalogue.match({ code: 'LV-DATDAI' })).toMatchObject({ found: true, by: 'code' });
    expect(catalogue.match({ name: '  CHỨNG   THỰC'.normalize('NFD') })).toMatchObject({
      found: true,
      by: 'name',
      sector: { code: 'LV-CHUNGTHUC' },
    });
    expect(catalogue.match({ name: 'Hộ tịch, quốc tịch' })).toMatchObject({
      found: true,
      by: 'alias',
      sector: { code: 'LV-HOTICH' },
    });
  });

  it('answers an unknown name with the three nearest known names', () => {
    const match = catalogue.match({ name: 'Hoạt động xây dựn' });
    expect(match).toEqual({
      found: false,
      nearest: expect.arrayContaining(['Hoạt động xây dựng']),
    });
    expect(match.found === false && match.nearest).toHaveLength(3);
    expect(match.found === false && match.nearest[0]).toBe('Hoạt động xây dựng');
  });

  it('refuses an alias for a sector that does not exist', () => {
    expect(() => new SectorCatalogue(loadDemoSeeds().sectors, { 'Không có': 'LV-NONE' })).toThrow(
      /LV-NONE/,
    );
  });
});
