import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type AppConfig, InjectConfig } from '../config/app-config';
import { runMigrationsLocked } from './migrations';

/** Applies migrations at start, before any other module touches the database. */
@Injectable()
export class DatabaseMigrator implements OnModuleInit {
  private readonly logger = new Logger(DatabaseMigrator.name);

  constructor(
    private readonly dataSource: DataSource,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.database.migrationsRun) return;
    const outcome = await runMigrationsLocked(this.dataSource);
    this.logger.log(
      { applied: outcome.applied, lockWaitMs: outcome.waitedMs },
      'migrations checked',
    );
  }
}
