import { Controller, Get, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentCaller } from '../access/caller.decorator';
import { Public, Roles, type Caller } from '../access/roles.decorator';
import { ProvincialSignInService } from './provincial-sign-in.service';

@ApiTags('credentials')
@Controller('api')
export class ProvincialSignInController {
  constructor(private readonly signIns: ProvincialSignInService) {}

  @Post('admin/provincial/sign-in')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "Start a person's sign-in to the provincial SSO for the gateway: open authorizationUrl in a browser within ten minutes.",
  })
  begin(@CurrentCaller() caller: Caller) {
    return this.signIns.begin(caller.subject);
  }

  @Get('auth/provincial/callback')
  @Public()
  @ApiOperation({
    summary:
      "The SSO's redirect after a person's sign-in (state and PKCE checked; one use). Not called by people directly.",
  })
  async callback(@Req() request: Request) {
    const url = new URL(request.originalUrl, `${request.protocol}://${request.get('host')}`);
    const signedIn = await this.signIns.complete(url);
    return {
      signedIn: signedIn.account,
      name: signedIn.name,
      message: `Đăng nhập thành công: the gateway now reads the provincial system as ${signedIn.account}.`,
    };
  }
}
