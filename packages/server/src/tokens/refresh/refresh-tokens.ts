import { type Clock, systemClock } from '../../core/clock.ts';
import { cryptoRandom, type RandomSource, randomId } from '../../core/crypto/random.ts';
import { openSecret, sealSecret } from '../../core/crypto/secret-box.ts';
import { hashToken } from '../../core/crypto/token-hash.ts';
import { LiftConfigError } from '../../core/errors.ts';
import type { Announce, Announcing } from '../../core/events.ts';
import type { RefreshTokenFamily, RefreshTokenStore, RefreshTokenWithFamily } from './refresh-token-store.ts';

/** The `deriveKey` purpose for the key that seals successors during the grace window. */
export const REFRESH_SUCCESSOR_KEY_PURPOSE = 'tokens.refresh-successor';

export const DEFAULT_REFRESH_ABSOLUTE_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
export const DEFAULT_REFRESH_IDLE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_REFRESH_MAX_GRACE_MS = 60 * 1000;

/** The reason `rotate()` records when it revokes a family. */
export const REUSE_DETECTED = 'reuse_detected';

export interface RefreshTokensOptions {
  /** 32 bytes, e.g. `deriveKey(root, REFRESH_SUCCESSOR_KEY_PURPOSE)`; seals successors kept for grace replays. */
  sealingKey: Uint8Array;
  /** Keys that open successors sealed before a root secret change, never seal; default none. */
  previousSealingKeys?: readonly Uint8Array[];
  clock?: Clock;
  random?: RandomSource;
  /** How long a family lives after login, however often it is used. Default 30 days. */
  absoluteLifetimeMs?: number;
  /** How long a family lives without a rotation. Default 7 days. */
  idleTimeoutMs?: number;
  /**
   * The longest `graceMs` `rotate()` accepts, and how long `purgeExpired()` leaves a sealed successor in the
   * database. Default 60 s: enough for a client to retry after a lost response, short enough that a stolen
   * old token is not honoured for long.
   */
  maxGraceMs?: number;
}

export interface IssueRefreshTokenInput {
  userId: string;
  /** RFC 8176 authentication method references of the login. */
  amr: string[];
  /** When the user authenticated, ms since the epoch. */
  authTime: number;
  scope?: string;
  tenantId?: string;
  /** RFC 9449 JWK thumbprint when the family is bound to a DPoP key. */
  dpopJkt?: string;
  /** An earlier end than the configured lifetime: a family that succeeds another keeps its end. */
  absoluteExpiresAt?: number;
}

export interface IssuedRefreshToken {
  token: string;
  family: RefreshTokenFamily;
}

export interface RotateRefreshTokenOptions {
  /**
   * How long after a rotation the same old token gets the same successor again instead of counting as
   * reuse (RFC 9700 §4.14.2 allows this for clients that retry). Default 0: any second use is reuse. Use the
   * same value on every call; it is the token endpoint's setting.
   */
  graceMs?: number;
  /**
   * The events of a rotation (`rotated`) or of the family's revocation on reuse (`reuse_detected`), written
   * in the transaction of that change (core/events.ts). Not called for an outcome that changed nothing.
   */
  announce?: Announce<RotateRefreshTokenResult>;
}

export type RotateRefreshTokenResult =
  | { kind: 'rotated'; token: string; family: RefreshTokenFamily }
  | { kind: 'replayed_within_grace'; token: string; family: RefreshTokenFamily }
  | { kind: 'reuse_detected'; family: RefreshTokenFamily }
  | { kind: 'invalid' };

/** 32 bytes = 256 bits = 43 base64url characters without padding. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const SEALING_KEY_BYTES = 32;
const INVALID: RotateRefreshTokenResult = { kind: 'invalid' };

/**
 * Rotating refresh tokens with reuse detection (RFC 9700 §4.14.2). Each login starts a family; every
 * refresh exchanges the family's newest token for a successor. A token presented again after it was
 * exchanged means two parties hold it, so the whole family is revoked and returned for the caller to revoke
 * its access tokens (`sid` = family id) and emit the event.
 */
export class RefreshTokens {
  readonly #store: RefreshTokenStore;
  /** Read at first use: an app builds this before its root secret is known. */
  readonly #sealing: Pick<RefreshTokensOptions, 'sealingKey' | 'previousSealingKeys'>;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #absoluteLifetimeMs: number;
  readonly #idleTimeoutMs: number;
  readonly #maxGraceMs: number;

  constructor(store: RefreshTokenStore, options: RefreshTokensOptions) {
    this.#store = store;
    this.#sealing = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#absoluteLifetimeMs = positiveMs(
      'absoluteLifetimeMs',
      options.absoluteLifetimeMs ?? DEFAULT_REFRESH_ABSOLUTE_LIFETIME_MS,
    );
    this.#idleTimeoutMs = positiveMs(
      'idleTimeoutMs',
      options.idleTimeoutMs ?? DEFAULT_REFRESH_IDLE_TIMEOUT_MS,
    );
    this.#maxGraceMs = options.maxGraceMs ?? DEFAULT_REFRESH_MAX_GRACE_MS;
    if (!Number.isSafeInteger(this.#maxGraceMs) || this.#maxGraceMs < 0) {
      throw new LiftConfigError('maxGraceMs is a whole number of milliseconds, 0 or more.');
    }
    // A key passed as a value is checked now; one behind a getter (the app's root secret) at first use.
    if (Object.getOwnPropertyDescriptor(options, 'sealingKey')?.get === undefined) void this.#sealingKey;
  }

  get #sealingKey(): Uint8Array {
    const key = this.#sealing.sealingKey;
    if (key.length !== SEALING_KEY_BYTES) {
      throw new LiftConfigError(`The refresh-token sealing key must be ${SEALING_KEY_BYTES} bytes.`);
    }
    return key;
  }

  get #openingKeys(): readonly Uint8Array[] {
    return [this.#sealingKey, ...(this.#sealing.previousSealingKeys ?? [])];
  }

  /** Starts a new family (one per login) with its generation-0 token. */
  async issue(input: IssueRefreshTokenInput): Promise<IssuedRefreshToken> {
    const now = this.#clock.now();
    const absoluteExpiresAt = Math.min(
      now + this.#absoluteLifetimeMs,
      input.absoluteExpiresAt ?? Number.POSITIVE_INFINITY,
    );
    const family: RefreshTokenFamily = {
      id: randomId(this.#random),
      userId: input.userId,
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: Math.min(now + this.#idleTimeoutMs, absoluteExpiresAt),
      absoluteExpiresAt,
      authTime: input.authTime,
      amr: [...input.amr],
      scope: input.scope ?? null,
      tenantId: input.tenantId ?? null,
      dpopJkt: input.dpopJkt ?? null,
      revokedAt: null,
      revokedReason: null,
    };
    const token = this.#newToken();
    await this.#store.createFamily(family, hashToken(token.text));
    return { token: token.text, family };
  }

  /** Exchanges a token for its successor; see `RotateRefreshTokenResult` and the README for each outcome. */
  async rotate(token: string, options: RotateRefreshTokenOptions = {}): Promise<RotateRefreshTokenResult> {
    const graceMs = options.graceMs ?? 0;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0 || graceMs > this.#maxGraceMs) {
      throw new LiftConfigError(`graceMs is a whole number of milliseconds from 0 to ${this.#maxGraceMs}.`);
    }
    if (!TOKEN_SHAPE.test(token)) return INVALID;
    const tokenHash = hashToken(token);
    const found = await this.#store.findByTokenHash(tokenHash);
    if (!found) return INVALID;
    const now = this.#clock.now();
    if (hasExpired(found.family, now)) return INVALID;
    if (found.token.rotatedAt !== null)
      return this.#answerSecondUse(found, found.token.rotatedAt, {
        graceMs,
        now,
        announce: options.announce,
      });
    if (found.family.revokedAt !== null) return INVALID;

    const successor = this.#newToken();
    const { announce } = options;
    const rotation = {
      tokenHash,
      familyId: found.family.id,
      now,
      successorHash: hashToken(successor.text),
      successorGeneration: found.token.generation + 1,
      successorSealed:
        graceMs === 0
          ? null
          : sealSecret(this.#sealingKey, successor.bytes, {
              associatedData: found.family.id,
              random: this.#random,
            }),
      idleExpiresAt: Math.min(now + this.#idleTimeoutMs, found.family.absoluteExpiresAt),
      clearSealedRotatedAtOrBefore: now - graceMs,
    };
    const rotated = (family: RefreshTokenFamily) => ({
      kind: 'rotated' as const,
      token: successor.text,
      family,
    });
    const family = await this.#store.rotate(
      rotation,
      announce ? { announce: (updated) => announce(rotated(updated)) } : {},
    );
    if (family) return rotated(family);
    // Another caller got there first, or the family just ended: whatever happened is in the row now.
    const current = await this.#store.findByTokenHash(tokenHash);
    if (current === null || current.token.rotatedAt === null) return INVALID;
    return this.#answerSecondUse(current, current.token.rotatedAt, { graceMs, now, announce });
  }

  /**
   * Revokes a family; true when this call revoked it, false when it is unknown or was revoked already.
   * `announce` is called (with true) only when this call revoked it, in that transaction.
   */
  async revokeFamily(familyId: string, reason: string, options: Announcing<boolean> = {}): Promise<boolean> {
    const { announce } = options;
    const revoked = await this.#store.revokeFamily(
      familyId,
      this.#clock.now(),
      reason,
      announce ? { announce: () => announce(true) } : {},
    );
    return revoked !== null;
  }

  /**
   * Revokes every live family of a user (password change, account disabled, "sign out everywhere").
   * `announce` gets the ids revoked, in the transaction that revokes them.
   */
  revokeUserFamilies(userId: string, reason: string, options: Announcing<string[]> = {}): Promise<string[]> {
    return this.#store.revokeUserFamilies(userId, this.#clock.now(), reason, options);
  }

  /**
   * The family of any token it has had, revoked or expired included; null for an unknown or malformed token.
   * For RFC 7009 revocation: revoking a refresh token revokes its family.
   */
  async findFamilyByToken(token: string): Promise<RefreshTokenFamily | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    return (await this.#store.findByTokenHash(hashToken(token)))?.family ?? null;
  }

  getFamily(familyId: string): Promise<RefreshTokenFamily | null> {
    return this.#store.getFamily(familyId);
  }

  /**
   * Deletes families past their absolute expiry, and families revoked more than the absolute lifetime ago,
   * with their tokens; clears sealed successors older than `maxGraceMs`. Returns the families deleted.
   */
  purgeExpired(now: number): Promise<number> {
    return this.#store.purge({
      now,
      revokedAtOrBefore: now - this.#absoluteLifetimeMs,
      sealedRotatedAtOrBefore: now - this.#maxGraceMs,
    });
  }

  /** The presented token was exchanged before: a retry within the grace window, or reuse. */
  async #answerSecondUse(
    { token, family }: RefreshTokenWithFamily,
    rotatedAt: number,
    {
      graceMs,
      now,
      announce,
    }: { graceMs: number; now: number; announce: Announce<RotateRefreshTokenResult> | undefined },
  ): Promise<RotateRefreshTokenResult> {
    if (now - rotatedAt < graceMs && token.successorSealed !== null) {
      if (family.revokedAt !== null) return INVALID;
      const successor = openSecret(this.#openingKeys, token.successorSealed, { associatedData: family.id });
      return { kind: 'replayed_within_grace', token: successor.toString('base64url'), family };
    }
    // Reported even when the family is revoked already, so every replay of an old token reaches the caller;
    // the first revocation's time and reason are kept. Only the call that revokes it announces it with the change.
    const reused = (revoked: RefreshTokenFamily) => ({ kind: 'reuse_detected' as const, family: revoked });
    const revoked =
      (await this.#store.revokeFamily(
        family.id,
        now,
        REUSE_DETECTED,
        announce ? { announce: (ended) => announce(reused(ended)) } : {},
      )) ?? (await this.#store.getFamily(family.id));
    return revoked ? reused(revoked) : INVALID;
  }

  #newToken(): { bytes: Buffer; text: string } {
    const bytes = this.#random.bytes(TOKEN_BYTES);
    return { bytes, text: bytes.toString('base64url') };
  }
}

function hasExpired(family: RefreshTokenFamily, now: number): boolean {
  return now >= family.idleExpiresAt || now >= family.absoluteExpiresAt;
}

function positiveMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new LiftConfigError(`${name} is a positive whole number of milliseconds.`);
  }
  return value;
}
