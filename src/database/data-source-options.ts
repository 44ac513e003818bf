import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';
import { entities } from './entities';

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    // At least two connections: the migration lock holds one while the migrations run on another.
    extra: { max: Math.max(2, poolSize), application_name: 'baocao-gateway' },
  };
}
