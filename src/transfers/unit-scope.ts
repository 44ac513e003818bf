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
