import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../access/roles.decorator';
import { type AppConfig, InjectConfig } from '../config/app-config';
import type { CredentialKind, CredentialSystem } from '../database/entities/credential.entity';
import { ProvincialSignInService } from '../vault/provincial-sign-in.service';
import { VaultService } from '../vault/vault.service';
import { ConsoleErrorFilter, ConsoleGuard, Person } from './console-http';
import { ConsoleError, type ConsolePerson } from './console-sessions';
import { page, type PageOptions } from './layout';
import { adminPage, needsAttention, type CredentialFilterText } from './pages/admin-page';
import type { CredentialFilters } from '../vault/credential-vault';

const SYSTEMS = { provincial: true, national: true };
const KINDS = { 'client-secret': true, 'refresh-token': true, 'signing-key': true };

type Form = Record<string, string | undefined>;

const DONE: Record<string, string> = {
  added: 'Đã thêm tài khoản.',
  rotated: 'Đã thay bí mật.',
  disabled: 'Đã tắt tài khoản.',
  enabled: 'Đã bật lại tài khoản.',
};

function required(value: string | undefined, name: string, label: string): string {
  if (!value?.trim()) throw new ConsoleError('invalid', 'FIELD_REQUIRED', `Cần có ${label}`, name);
  return value.trim();
}

/** Administration: accounts and signing keys without their secrets; a person's sign-in for the gateway. */
@ApiExcludeController()
@Public()
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleErrorFilter)
@Roles('admin')
@Controller('admin')
export class AdminPagesController {
  constructor(
    private readonly vault: VaultService,
    private readonly signIns: ProvincialSignInService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  private async render(
    person: ConsolePerson,
    notice?: PageOptions['notice'],
    query: Form = {},
  ): Promise<string> {
    const filters: CredentialFilterText = {};
    const vaultFilters: CredentialFilters = {};
    if (query.system && query.system in SYSTEMS) {
      filters.system = query.system;
      vaultFilters.system = query.system as CredentialSystem;
    }
    if (query.kind && query.kind in KINDS) {
      filters.kind = query.kind;
      vaultFilters.kind = query.kind as CredentialKind;
    }
    if (query.status === 'active' || query.status === 'disabled') {
      filters.status = query.status;
      vaultFilters.status = query.status;
    }
    if (query.unit?.trim()) {
      filters.unit = query.unit.trim();
      vaultFilters.unitCode = filters.unit;
    }
    const [credentials, all] = await Promise.all([
      this.vault.vault.list(vaultFilters),
      this.vault.vault.list({ status: 'active' }),
    ]);
    return page(
      { title: 'Quản trị', person, section: '/admin', notice },
      adminPage({
        credentials,
        attention: all.filter((credential) => needsAttention(credential)),
        filters,
        csrfToken: person.csrfToken,
        personSignIn: this.config.provincial.signIn === 'person',
      }),
    ).markup;
  }

  @Get()
  async index(@Person() person: ConsolePerson, @Query() query: Form) {
    return this.render(person, undefined, query);
  }

  @Get('done/:what')
  async done(@Person() person: ConsolePerson, @Param('what') what: string) {
    return this.render(person, DONE[what] ? { kind: 'ok', text: DONE[what] } : undefined);
  }

  @Post('credentials')
  async add(@Person() person: ConsolePerson, @Body() body: Form, @Res() response: Response) {
    await this.vault.vault.add(
      {
        system: required(body.system, 'system', 'hệ thống') as CredentialSystem,
        kind: required(body.kind, 'kind', 'loại') as CredentialKind,
        account: required(body.account, 'account', 'tài khoản'),
        unitCode: body.unitCode?.trim() || null,
        rights: (body.rights ?? '')
          .split(',')
          .map((right) => right.trim())
          .filter(Boolean),
        secret: required(body.secret, 'secret', 'bí mật'),
      },
      person.subject,
      required(body.reason, 'reason', 'lý do'),
    );
    response.redirect(303, '/admin/done/added');
  }

  @Post('credentials/:id/rotate')
  async rotate(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    await this.vault.vault.rotate(
      id,
      required(body.secret, 'secret', 'bí mật mới'),
      person.subject,
      {
        reason: required(body.reason, 'reason', 'lý do'),
      },
    );
    response.redirect(303, '/admin/done/rotated');
  }

  @Post('credentials/:id/disable')
  async disable(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    await this.setStatus(person, id, body, 'disabled');
    response.redirect(303, '/admin/done/disabled');
  }

  @Post('credentials/:id/enable')
  async enable(
    @Person() person: ConsolePerson,
    @Param('id') id: string,
    @Body() body: Form,
    @Res() response: Response,
  ) {
    await this.setStatus(person, id, body, 'active');
    response.redirect(303, '/admin/done/enabled');
  }

  private setStatus(person: ConsolePerson, id: string, body: Form, status: 'active' | 'disabled') {
    return this.vault.vault.setStatus(
      id,
      status,
      person.subject,
      required(body.reason, 'reason', 'lý do'),
    );
  }

  @Post('credentials/:id/test')
  async test(@Person() person: ConsolePerson, @Param('id') id: string) {
    const result = await this.vault.testLogin(id, person.subject);
    return this.render(person, { kind: result.ok ? 'ok' : 'error', text: result.message });
  }

  @Post('provincial-sign-in')
  async provincialSignIn(@Person() person: ConsolePerson, @Res() response: Response) {
    const { authorizationUrl } = await this.signIns.begin(person.subject);
    response.redirect(303, authorizationUrl);
  }
}
