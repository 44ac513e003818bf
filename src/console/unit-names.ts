import type { DataSource } from 'typeorm';

/** The names of some units, from what the planner last read (provincial_unit). */
export async function unitNames(
  dataSource: DataSource,
  codes: readonly string[],
): Promise<Map<string, string>> {
  if (!codes.length) return new Map();
  const rows = await dataSource.query<Array<{ office_code: string; name: string }>>(
    'SELECT office_code, name FROM provincial_unit WHERE office_code = ANY($1)',
    [[...new Set(codes)]],
  );
  return new Map(rows.map((row) => [row.office_code, row.name]));
}
