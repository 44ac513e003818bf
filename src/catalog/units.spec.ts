import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoDataSet } from '../simulators/data/demo-data';
import { Deadlines } from './deadlines';
import { FormCatalogue } from './forms';
import { UnitRegistry } from './units';

describe('unit registry and deadlines', () => {
  const data = generateDemoDataSet({ asOf: new Date('2026-11-27T12:00:00Z') });
  const registry = new UnitRegistry(data.units);
  const forms = FormCatalogue.load();

  it('files Q1/2025 by the three-tier tree and Q3/2025 by the two-tier merged province', () => {
    const before = registry.filings('2025-Q1', forms);
    const after = registry.filings('2025-Q3', forms);
    expect(
      before
        .filter((filing) => filing.form.code === 'II.06/VPCP/KSTT')
        .map((filing) => filing.unit.level),
    ).toEqual(Array(13).fill('district'));
    expect(after.filter((filing) => filing.form.code === 'II.06/VPCP/KSTT')).toEqual([]);
    expect(after.filter((filing) => filing.form.code === 'II.06a/VPCP/KSTT')).toHaveLength(96 + 5);
    expect(
      registry
        .formsFiledBy('district-agency', '2025-Q1', forms)
        .map((form) => form.code)
        .sort(),
    ).toEqual(['II.05a/VPCP/KSTT', 'II.06a/VPCP/KSTT']);
  });

  it('a district aggregates its communes and agencies of the tree in force', () => {
    const children = registry.childrenOf('QNG-H-MINHLONG', '2025-Q1');
    expect(children.map((unit) => unit.level).sort()).toEqual(
      [...Array(5).fill('commune'), ...Array(4).fill('district-agency')].sort(),
    );
    expect(registry.childrenOf('QNG-H-MINHLONG', '2025-Q3')).toEqual([]);
  });

  it("a merged unit's sectors move to its successor", () => {
    const successor = data.units.find((unit) => unit.officeCode === 'QNG-H-BATO-X01')!
      .successorCodes[0];
    expect(registry.sectorsHandled(successor, '2025-09-14')).toEqual(
      expect.arrayContaining(
        data.units.find((unit) => unit.officeCode === 'QNG-H-BATO-X01')!.sectorCodes,
      ),
    );
    expect(registry.sectorsHandled('QNG-DK-LYSON', '2025-09-14')).toEqual(
      expect.arrayContaining(['LV-GDMAMNON', 'LV-NUOICONNUOI']),
    );
    expect(registry.sectorsHandled('QNG-H-BATO-X01', '2025-09-14')).toEqual([]);
  });

  it('deadlines: the directive dates for Q1/2025, the form rule otherwise', () => {
    const deadlines = Deadlines.load();
    const ii06a = forms.form('II.06a/VPCP/KSTT', '2025-Q1');
    expect(deadlines.for(ii06a, '2025-Q1', 'commune')).toEqual({
      date: '2025-03-17',
      source: 'province',
    });
    expect(deadlines.for(forms.form('II.06/VPCP/KSTT', '2025-Q1'), '2025-Q1', 'district')).toEqual({
      date: '2025-03-19',
      source: 'province',
    });
    expect(deadlines.for(ii06a, '2025-Q2', 'department')).toEqual({
      date: '2025-06-19',
      source: 'form rule',
    });
    expect(deadlines.for(ii06a, '2025-Q2', 'district')).toBeUndefined();
  });
});

describe('UnitRegistry.fromFile', () => {
  it('reads a data set file or a plain list of units, and refuses anything else', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baocao-units-'));
    const data = generateDemoDataSet({ asOf: new Date('2026-11-27T12:00:00Z') });
    writeFileSync(path.join(dir, 'set.json'), JSON.stringify(data));
    writeFileSync(path.join(dir, 'list.json'), JSON.stringify(data.units.slice(0, 3)));
    writeFileSync(path.join(dir, 'other.json'), '{"reports": []}');
    expect(UnitRegistry.fromFile(path.join(dir, 'set.json')).units).toHaveLength(data.units.length);
    expect(UnitRegistry.fromFile(path.join(dir, 'list.json')).units).toHaveLength(3);
    expect(() => UnitRegistry.fromFile(path.join(dir, 'other.json'))).toThrow(
      /neither a list of units nor a data set/,
    );
  });
});
