import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../access/caller.decorator';
import { Roles, type Caller } from '../access/roles.decorator';
import { CredentialError, type CredentialFilters, type CredentialInput } from './credential-vault';
import type {
  CredentialKind,
  CredentialStatus,
  CredentialSystem,
} from '../database/entities/credential.entity';
import { VaultService } from './vault.service';

const text = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || !value)
    throw new CredentialError('invalid', 'FIELD_REQUIRED', `Cần có ${name}`, name);
  return value;
};

/**
 * Credentials of the remote systems, for admins: add, rotate, disable, enable, test login. No
 * answer ever carries a secret; every change is audited with who and why.
 */
@ApiTags('credentials')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/admin/credentials')
export class CredentialsController {
  constructor(private readonly service: VaultService) {}

  @Get()
  @ApiOperation({ summary: 'Stored credentials, without their secrets.' })
  @ApiQuery({ name: 'system', required: false, enum: ['provincial', 'national'] })
  @ApiQuery({
    name: 'kind',
    required: false,
    enum: ['client-secret', 'refresh-token', 'signing-key'],
  })
  @ApiQuery({ name: 'unit', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'disabled'] })
  list(@Query() query: { system?: string; kind?: string; unit?: string; status?: string }) {
    const filters: CredentialFilters = {};
    if (query.system) filters.system = query.system as CredentialSystem;
    if (query.kind) filters.kind = query.kind as CredentialKind;
    if (query.unit) filters.unitCode = query.unit;
    if (query.status) filters.status = query.status as CredentialStatus;
    for (const [name, value, allowed] of [
      ['system', query.system, ['provincial', 'national']],
      ['kind', query.kind, ['client-secret', 'refresh-token', 'signing-key']],
      ['status', query.status, ['active', 'disabled']],
    ] as const) {
      if (value !== undefined && !(allowed as readonly string[]).includes(value))
        throw new CredentialError(
          'invalid',
          'FILTER_VALUE_UNKNOWN',
          `${name} phải là một trong ${allowed.join(', ')}`,
          name,
        );
    }
    return this.service.vault.list(filters);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One credential, without its secret.' })
  get(@Param('id') id: string) {
    return this.service.vault.get(id);
  }

  @Post()
  @ApiOperation({
    summary:
      'Add a credential: {system, kind, account, unitCode?, rights?, secret, reason?}. The secret is sealed (AES-256-GCM) and never returned.',
  })
  add(
    @Body() body: Partial<CredentialInput> & { reason?: string },
    @CurrentCaller() caller: Caller,
  ) {
    return this.service.vault.add(
      {
        system: text(body.system, 'system') as CredentialSystem,
        kind: text(body.kind, 'kind') as CredentialKind,
        account: text(body.account, 'account'),
        unitCode: body.unitCode ?? null,
        rights: Array.isArray(body.rights) ? body.rights.map(String) : [],
        secret: text(body.secret, 'secret'),
      },
      caller.subject,
      body.reason,
    );
  }

  @Post(':id/rotate')
  @ApiOperation({ summary: 'Replace the secret: {secret, reason}.' })
  async rotate(
    @Param('id') id: string,
    @Body() body: { secret?: string; reason?: string },
    @CurrentCaller() caller: Caller,
  ) {
    return this.service.vault.rotate(id, text(body.secret, 'secret'), caller.subject, {
      reason: body.reason,
    });
  }

  @Post(':id/disable')
  @ApiOperation({ summary: 'Stop using the credential: {reason}.' })
  async disable(
    @Param('id') id: string,
    @Body() body: { reason?: string },
    @CurrentCaller() caller: Caller,
  ) {
    return this.service.vault.setStatus(
      id,
      'disabled',
      caller.subject,
      text(body?.reason, 'reason'),
    );
  }

  @Post(':id/enable')
  @ApiOperation({ summary: 'Use the credential again: {reason}.' })
  async enable(
    @Param('id') id: string,
    @Body() body: { reason?: string },
    @CurrentCaller() caller: Caller,
  ) {
    return this.service.vault.setStatus(id, 'active', caller.subject, text(body?.reason, 'reason'));
  }

  @Post(':id/test')
  @ApiOperation({ summary: 'Sign in with the account now and note the outcome.' })
  test(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.service.testLogin(id, caller.subject);
  }
}
