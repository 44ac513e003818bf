import { createHmac } from 'node:crypto';
import type { Right } from '../contracts/national-wire';
import type { UnitRecord } from '../contracts/provincial-wire';

/** A unit's account on the national system (a VNeID-backed organisation account), with its rights. */
export interface NationalAccount {
  accountId: string;
  unitCode: string;
  rights: Right[];
  secret: string;
}

export interface ProvincialPerson {
  username: string;
  password: string;
  name: string;
  role: 'operator' | 'auditor' | 'admin';
  /** A district officer sees and acts on that district's units only. */
  district?: string;
}

/** Demo secrets are derived from the seed, so a rehearsal can be repeated with the same accounts. */
export function demoSecret(seed: string | number, ...parts: string[]): string {
  return createHmac('sha256', `baocao-demo-${seed}`)
    .update(parts.join('|'))
    .digest('base64url')
    .slice(0, 32);
}

/**
 * Accounts per unit, as the directive describes them: a department or a district registers
 * separate accounts to enter (a district's also aggregates), approve and send; a commune or a
 * district agency one account that does all three.
 */
export function nationalAccounts(
  units: readonly UnitRecord[],
  seed: string | number,
): NationalAccount[] {
  const accounts: NationalAccount[] = [];
  const add = (unit: UnitRecord, role: string, rights: Right[]) => {
    const accountId = `${unit.officeCode}.${role}`;
    accounts.push({
      accountId,
      unitCode: unit.officeCode,
      rights,
      secret: demoSecret(seed, 'national', accountId),
    });
  };
  for (const unit of units) {
    switch (unit.level) {
      case 'department':
        add(unit, 'nhap', ['nhap']);
        add(unit, 'duyet', ['duyet']);
        add(unit, 'gui', ['gui']);
        break;
      case 'district':
        add(unit, 'tonghop', ['nhap', 'tong_hop']);
        add(unit, 'duyet', ['duyet']);
        add(unit, 'gui', ['gui']);
        break;
      case 'commune':
      case 'district-agency':
        add(unit, 'canbo', ['nhap', 'duyet', 'gui']);
        break;
      case 'province':
        break;
    }
  }
  return accounts;
}

export function provincialPeople(seed: string | number): ProvincialPerson[] {
  return [
    {
      username: 'vanthu@quangngai.gov.vn',
      name: 'Văn thư Văn phòng UBND tỉnh (demo)',
      role: 'operator',
    },
    { username: 'thanhtra@quangngai.gov.vn', name: 'Thanh tra tỉnh (demo)', role: 'auditor' },
    { username: 'quantri@quangngai.gov.vn', name: 'Quản trị hệ thống (demo)', role: 'admin' },
    {
      username: 'vanphong.binhson@quangngai.gov.vn',
      name: 'Văn phòng HĐND-UBND huyện Bình Sơn (demo)',
      role: 'operator',
      district: 'QNG-H-BINHSON',
    },
  ].map(
    (person) =>
      ({
        ...person,
        password: demoSecret(seed, 'person', person.username).slice(0, 16),
      }) as ProvincialPerson,
  );
}
