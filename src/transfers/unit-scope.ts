import type { DataSource } from 'typeorm';
import type { UnitScope } from '../access/roles.decorator';
import { TransferError } from './transfer-error';

/**
 * The SQL condition that keeps a person to their district (the district and the units whose
 * parent it is, in provincial_unit) or their unit; nothing for the whole province.
 */
export function scopeCondition(
  scope: UnitScope | undefined,
  column: string,
  parameters: unknown[],
): string | undefined {
  if (!scope) return undefined;
  const code = `$${parameters.push(scope.code)}`;
  return scope.kind === 'unit'
    ? `${column} = ${code}`
    : `${column} IN (SELECT office_code FROM provincial_unit WHERE office_code = ${code} OR parent_code = ${code})`;
}

/** Refuses a unit outside a person's district or unit. */
export async function assertInScope(
  dataSource: DataSource,
  unitCode: string,
  scope: UnitScope | undefined,
): Promise<void> {
  if (!scope) return;
  const parameters: unknown[] = [unitCode];
  const condition = scopeCondition(scope, '$1::text', parameters)!;
  const [row] = await dataSource.query<Array<{ inside: boolean }>>(
    `SELECT (${condition}) AS inside`,
    parameters,
  );
  if (!row?.inside)
    throw new TransferError(
      'forbidden',
      'OUT_OF_SCOPE',
      `Đơn vị ${unitCode} nằm ngoài phạm vi của bạn (${scope.kind === 'district' ? 'huyện' : 'đơn vị'} ${scope.code})`,
      undefined,
      { unitCode, scope },
    );
}

/**
 * The units a scoped person's sync or reconciliation covers: the ones asked for, each checked,
 * or every unit in their scope; the whole province (undefined) for a person without scope.
 */
export async function unitsInScope(
  dataSource: DataSource,
  units: string[] | undefined,
  scope: UnitScope | undefined,
): Promise<string[] | undefined> {
  if (!scope) return units;
  if (units?.length) {
    for (const unit of units) await assertInScope(dataSource, unit, scope);
    return units;
  }
  const parameters: unknown[] = [];
  const condition = scopeCondition(scope, 'office_code', parameters)!;
  const rows = await dataSource.query<Array<{ office_code: string }>>(
    `SELECT office_code FROM provincial_unit WHERE ${condition} ORDER BY office_code`,
    parameters,
  );
  return rows.length ? rows.map((row) => row.office_code) : [scope.code];
}
