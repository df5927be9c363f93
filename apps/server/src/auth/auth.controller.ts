import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  passwordResetConfirmRequest,
  passwordResetRequest,
  sessionView,
  signInRequest,
  signUpRequest,
  type SessionView,
} from '@atelier/contracts';
import { z } from 'zod';
import { AuthService, type SignedIn } from './auth.service.js';
import { CurrentPrincipal, Public, type Principal } from './principal.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';
import { USER_ORGANIZATIONS, type UserOrganizations } from './user-organizations.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(USER_ORGANIZATIONS) private readonly organizations: UserOrganizations,
  ) {}

  @Post('sign-up')
  @Public()
  @ApiCreatedResponse({ standardSchema: sessionView, description: 'Signed in; the session cookie is set' })
  async signUp(
    @Body({ schema: signUpRequest }) body: z.infer<typeof signUpRequest>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionView> {
    return this.respond(await this.auth.signUp(body, request.headers['user-agent']), request, response);
  }

  @Post('sign-in')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: sessionView, description: 'Signed in; the session cookie is set' })
  async signIn(
    @Body({ schema: signInRequest }) body: z.infer<typeof signInRequest>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SessionView> {
    const signedIn = await this.auth.signIn(body, request.ip ?? 'unknown', request.headers['user-agent']);
    return this.respond(signedIn, request, response);
  }

  @Get('session')
  @ApiOkResponse({ standardSchema: sessionView })
  async session(@CurrentPrincipal() principal: Principal & { kind: 'session' }): Promise<SessionView> {
    const user = await this.auth.user(principal.userId);
    return {
      user: { id: user.id, email: user.email, name: user.name, lastOrganizationId: user.lastOrganizationId ?? null },
      csrfToken: principal.csrfToken,
      organizations: await this.organizations.listFor(principal.userId),
    };
  }

  @Post('sign-out')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'This session is revoked' })
  async signOut(
    @CurrentPrincipal() principal: Principal & { kind: 'session' },
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.auth.signOut(principal.userId, principal.sessionId);
    clearSessionCookie(request, response);
  }

  @Post('sign-out-everywhere')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Every session of this account is revoked' })
  async signOutEverywhere(
    @CurrentPrincipal() principal: Principal & { kind: 'session' },
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.auth.signOutEverywhere(principal.userId);
    clearSessionCookie(request, response);
  }

  @Post('password-reset')
  @Public()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOkResponse({ description: 'If the address has an account, a reset link is on its way' })
  async requestPasswordReset(
    @Body({ schema: passwordResetRequest }) body: z.infer<typeof passwordResetRequest>,
    @Req() request: Request,
  ): Promise<{ message: string }> {
    await this.auth.requestPasswordReset(body.email, request.ip ?? 'unknown');
    return { message: 'If this address has an account, a reset link is on its way.' };
  }

  @Post('password-reset/confirm')
  @Public()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password changed; every session is signed out' })
  async confirmPasswordReset(
    @Body({ schema: passwordResetConfirmRequest }) body: z.infer<typeof passwordResetConfirmRequest>,
  ): Promise<void> {
    await this.auth.confirmPasswordReset(body.token, body.password);
  }

  private async respond(signedIn: SignedIn, request: Request, response: Response): Promise<SessionView> {
    setSessionCookie(request, response, signedIn.sessionToken);
    return {
      user: signedIn.user,
      csrfToken: signedIn.csrfToken,
      organizations: await this.organizations.listFor(signedIn.user.id),
    };
  }
}
