import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';
import { DatabaseMigrator } from './database-migrator';
import { GatewayNodeEntity } from './entities/gateway-node.entity';
import { GatewayNodeService } from './gateway-node.service';

@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(url, poolSize),
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        TypeOrmModule.forFeature([GatewayNodeEntity]),
      ],
      providers: [DatabaseMigrator, GatewayNodeService],
      exports: [GatewayNodeService],
    };
  }
}
