import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import type { SignInRequest, SignUpRequest } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { randomToken, sha256 } from '../common/crypto.js';
import type { User } from '../database/entities/index.js';
import { MailerRepository } from '../mail/mailer.repository.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { PasswordResetTokensRepository } from './password-reset-tokens.repository.js';
import type { Principal } from './principal.js';
import { RateLimitRepository } from './rate-limit.repository.js';
import { isRevokedBy, RevocationEvents, type Revocation } from './revocations.js';
import { ExpiringCache } from '../common/expiring-cache.js';
import { EventBus } from '../events/event-bus.js';
import { SESSION_TTL_MS } from './session-cookie.js';
import { SessionsRepository } from './sessions.repository.js';
import { UsersRepository } from './users.repository.js';

export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;
const SESSION_TOUCH_INTERVAL_MS = 60 * 1000;
/** Verified against when the email is unknown, so a miss takes as long as a wrong password. */
const DECOY_HASH = await hash('decoy password that never matches');

/** Most sessions and API keys one node remembers at once. */
const CREDENTIAL_CACHE_ENTRIES = 20_000;

interface CachedSession {
  principal: Principal & { kind: 'session' };
  lastSeenAtMs: number;
}

export interface SignedIn {
  user: UserView;
  csrfToken: string;
  /** The cookie value; the controller sets it. */
  sessionToken: string;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  lastOrganizationId: string | null;
}

export function userView(user: User): UserView {
  return { id: user.id, email: user.email, name: user.name, lastOrganizationId: user.lastOrganizationId ?? null };
}

/**
 * Sign-up, sign-in, sessions, API keys and password resets. A session or API key read from the
 * database is trusted for `credentialCacheTtlMs` (a few seconds) so a busy client costs no read per
 * request; a revocation evicts it at once on this node and, relayed between nodes
 * (`revokedElsewhere`), on the others, and the TTL bounds it even if a relay is lost.
 */
@Injectable()
export class AuthService {
  private readonly sessionCache: ExpiringCache<string, CachedSession>;
  private readonly apiKeyCache: ExpiringCache<string, Principal & { kind: 'apiKey' }>;
  /** Moves on every eviction: a read that was in flight across one is not cached (it may predate the revocation). */
  private evictions = 0;

  constructor(
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(ApiKeysRepository) private readonly apiKeys: ApiKeysRepository,
    @Inject(PasswordResetTokensRepository) private readonly passwordResets: PasswordResetTokensRepository,
    @Inject(RateLimitRepository) private readonly rateLimits: RateLimitRepository,
    @Inject(MailerRepository) private readonly mailer: MailerRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RevocationEvents) private readonly revocations: RevocationEvents,
    @Inject(EventBus) events: EventBus,
  ) {
    this.sessionCache = new ExpiringCache(config.credentialCacheTtlMs, CREDENTIAL_CACHE_ENTRIES);
    this.apiKeyCache = new ExpiringCache(config.credentialCacheTtlMs, CREDENTIAL_CACHE_ENTRIES);
    const evict = (revocation: Revocation): void => {
      this.evictions += 1;
      this.sessionCache.evict((cached) => isRevokedBy(cached.principal, revocation));
      this.apiKeyCache.evict((principal) => isRevokedBy(principal, revocation));
    };
    revocations.emitter.on('revoked', evict);
    revocations.emitter.on('revokedElsewhere', evict);
    // A member who leaves an org (or changes role) holds keys that must be checked again.
    events.subscribe('membership.changed', ({ organizationId, userId }) => {
      this.evictions += 1;
      this.apiKeyCache.evict((principal) => principal.userId === userId && principal.organizationId === organizationId);
    });
  }

  async signUp(request: SignUpRequest, userAgent: string | undefined): Promise<SignedIn> {
    const user = await this.createUser(request);
    return this.startSession(user, userAgent);
  }

  /** Creates an account; `email_taken` (409) when the address already has one. */
  async createUser(request: SignUpRequest): Promise<User> {
    const user = await this.users.create({ email: request.email, name: request.name, passwordHash: await hash(request.password) });
    if (user === undefined) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'email_taken',
        message: 'An account with this email already exists. Sign in, or reset the password.',
        field: 'email',
      });
    }
    return user;
  }

  async signIn(request: SignInRequest, address: string, userAgent: string | undefined): Promise<SignedIn> {
    const blockedForSeconds = await this.rateLimits.signInBlockedForSeconds(request.email, address);
    if (blockedForSeconds > 0) {
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
        code: 'rate_limited',
        message: `Too many failed sign-ins. Try again in ${formatWait(blockedForSeconds)}, or reset your password.`,
        retryAfterSeconds: blockedForSeconds,
      });
    }
    const user = await this.users.findByEmail(request.email);
    const valid = await verify(user?.passwordHash ?? DECOY_HASH, request.password);
    if (user === null || !valid) {
      await this.rateLimits.recordSignInFailure(request.email, address);
      throw new ApiError(HttpStatus.UNAUTHORIZED, {
        code: 'invalid_credentials',
        message: 'That email and password do not match an account.',
      });
    }
    await this.rateLimits.clearSignInFailures(request.email, address);
    return this.startSession(user, userAgent);
  }

  async startSession(user: User, userAgent: string | undefined): Promise<SignedIn> {
    const sessionToken = randomToken();
    const csrfToken = randomToken();
    const now = new Date();
    await this.sessions.create(user, {
      tokenHash: sha256(sessionToken),
      csrfToken,
      userAgent: userAgent?.slice(0, 255) ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    });
    return { user: userView(user), csrfToken, sessionToken };
  }

  /** The principal for a session cookie, or undefined when it is unknown, expired or revoked. */
  async principalForSession(sessionToken: string): Promise<Principal | undefined> {
    const tokenHash = sha256(sessionToken);
    const now = Date.now();
    const cached = this.sessionCache.get(tokenHash);
    if (cached !== undefined && now - cached.lastSeenAtMs <= SESSION_TOUCH_INTERVAL_MS) return cached.principal;
    const evictions = this.evictions;
    const session = await this.sessions.findUnrevoked(tokenHash);
    if (session === null || session.expiresAt.getTime() <= now) {
      return undefined;
    }
    let lastSeenAtMs = session.lastSeenAt.getTime();
    if (now - lastSeenAtMs > SESSION_TOUCH_INTERVAL_MS) {
      await this.sessions.touch(session.id, new Date(now));
      lastSeenAtMs = now;
    }
    const principal = { kind: 'session' as const, userId: session.user.id, sessionId: session.id, csrfToken: session.csrfToken };
    if (evictions === this.evictions) this.sessionCache.set(tokenHash, { principal, lastSeenAtMs }, session.expiresAt.getTime());
    return principal;
  }

  /** The principal for an API key, or undefined when it is unknown or revoked. Its last use is recorded at most once per cache TTL. */
  async principalForApiKey(secret: string): Promise<Principal | undefined> {
    const secretHash = sha256(secret);
    const cached = this.apiKeyCache.get(secretHash);
    if (cached !== undefined) return cached;
    // A member who left the org: their keys stop working.
    const evictions = this.evictions;
    const key = await this.apiKeys.findUsable(secretHash);
    if (key === null) {
      return undefined;
    }
    await this.apiKeys.touch(key.id, new Date());
    const principal = { kind: 'apiKey' as const, userId: key.user.id, apiKeyId: key.id, organizationId: key.organization.id };
    if (evictions === this.evictions) this.apiKeyCache.set(secretHash, principal);
    return principal;
  }

  async signOut(userId: string, sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId, new Date());
    this.revocations.revoked({ userId, kind: 'session', sessionId });
  }

  async signOutEverywhere(userId: string): Promise<void> {
    await this.sessions.revokeAllOf(userId, new Date());
    this.revocations.revoked({ userId, kind: 'allSessions' });
  }

  async user(userId: string): Promise<User> {
    return this.users.findById(userId);
  }

  /** Always succeeds from the caller's view, so the answer does not reveal who has an account. */
  async requestPasswordReset(email: string, address: string): Promise<void> {
    // The same limit for every email, known or not, so a 429 reveals nothing about accounts.
    const blockedForSeconds = await this.rateLimits.passwordResetBlockedForSeconds(email, address);
    if (blockedForSeconds > 0) {
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
        code: 'rate_limited',
        message: `Too many password reset requests. Try again in ${formatWait(blockedForSeconds)}.`,
        retryAfterSeconds: blockedForSeconds,
      });
    }
    const user = await this.users.findByEmail(email);
    if (user === null) {
      return;
    }
    const token = randomToken();
    await this.passwordResets.create(user, sha256(token), new Date(), new Date(Date.now() + PASSWORD_RESET_TTL_MS));
    await this.mailer.send({
      to: user.email,
      subject: 'Reset your Atelier password',
      text: `Someone asked to reset the password of your Atelier account.\n\nChoose a new password here (the link works once, for one hour):\n${this.config.publicUrl}/reset-password?token=${token}\n\nSetting a new password signs you out everywhere and revokes your API keys (create new ones afterwards).\n\nIf it was not you, ignore this email.`,
    });
  }

  /** Sets the new password, uses the token up, signs out every session and revokes every API key. */
  async confirmPasswordReset(token: string, password: string): Promise<void> {
    const now = new Date();
    const userId = await this.passwordResets.use(sha256(token), now);
    if (userId === undefined) {
      throw new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'token_invalid',
        message: 'This reset link is invalid, used or expired. Ask for a new one.',
        field: 'token',
      });
    }
    await this.users.setPasswordHash(userId, await hash(password));
    await this.sessions.revokeAllOf(userId, now);
    // Whoever learned the old password may have made keys with it: they stop working too.
    await this.apiKeys.revokeAllOf(userId, now);
    this.revocations.revoked({ userId, kind: 'everything' });
  }

  async setLastOrganization(userId: string, organizationId: string): Promise<void> {
    await this.users.setLastOrganization(userId, organizationId);
  }
}

function formatWait(seconds: number): string {
  return seconds < 90 ? `${String(seconds)} seconds` : `${String(Math.ceil(seconds / 60))} minutes`;
}
