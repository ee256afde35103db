import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { LiftConfigError, LiftError } from '../../core/errors.ts';
import type { Announce, Announcing } from '../../core/events.ts';
import type { Invalidation } from '../../core/invalidation.ts';
import { publicJwk } from '../jws/jwk.ts';
import type { JwsAlgorithm, KeyResolver, SigningKey, VerificationKey } from '../jws/jws-types.ts';
import { generateSigningKey, isHmacAlgorithm, type RsaModulusLength } from './generate-key.ts';
import { openSigningKey, sealSigningKey } from './sealed-signing-key.ts';
import type { SigningKeyStore, StoredSigningKey } from './signing-key-store.ts';

/** The invalidation topic on which a rotation is announced (the key: the new active kid); every node reloads. */
export const KEYS_TOPIC = 'keys';

/** Added to a retired key's verification window for clocks that disagree and nodes that learn late. */
export const ROTATION_SKEW_MS = 60_000;

/**
 * How often every node re-reads the keys even without a broker message, since the broker may drop one. A
 * node that missed a rotation signs with the retired key for at most this long; that key still verifies its
 * tokens because the window adds `ROTATION_SKEW_MS`, which must stay larger.
 */
const REFRESH_INTERVAL_MS = 30_000;

export interface KeyRingOptions {
  store: SigningKeyStore;
  /** Where rotations are announced to every node (core/invalidation.ts). */
  invalidation: Invalidation;
  clock: Clock;
  /** 32 bytes derived from the root secret; seals private keys at rest. */
  sealingKey: Buffer;
  /** The sealing key derived from previous root secrets: opens keys sealed before a change, never seals. */
  previousSealingKeys?: readonly Buffer[];
  /** For keys this ring creates; an existing active key keeps its own alg until the next rotation. */
  algorithm: JwsAlgorithm;
  /** The longest lifetime of a token signed by these keys; a retired key verifies this long (plus skew). */
  maxTokenLifetimeMs: number;
  /** Rotate automatically when the active key is this old; 0 or omitted = only by `rotate()`. */
  rotationIntervalMs?: number;
  /** Modulus of new RS256/PS256 keys. Default 2048. */
  rsaModulusLength?: RsaModulusLength;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
}

interface VerifyingKey {
  key: VerificationKey;
  /** null while the key is active. */
  verifyUntil: number | null;
  /** null for HS* secrets. */
  jwk: JsonWebKey | null;
}

interface KeyView {
  signing: SigningKey;
  activatedAt: number;
  /** Active key first, then retired keys newest first. */
  verifying: Map<string, VerifyingKey>;
}

/**
 * One process's view of the deployment's signing keys. The database decides which key is active (every
 * change is a transaction there); the ring keeps the opened keys in memory so signing and verifying never
 * wait on I/O, and reloads when the broker announces a rotation or, as a backstop, every 30 s.
 */
export class KeyRing {
  readonly #store: SigningKeyStore;
  readonly #invalidation: Invalidation;
  readonly #clock: Clock;
  /** Read at first use: an app builds the ring before its root secret is known. */
  readonly #sealing: Pick<KeyRingOptions, 'sealingKey' | 'previousSealingKeys'>;
  readonly #algorithm: JwsAlgorithm;
  readonly #maxTokenLifetimeMs: number;
  readonly #rotationIntervalMs: number;
  readonly #rsaModulusLength: RsaModulusLength | undefined;
  readonly #log: Pick<Logger, 'info' | 'warn' | 'error'>;
  #view: KeyView | undefined;
  /** Loads run one after another, so a slow load never overwrites a newer one. */
  #loading: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #maintaining = false;

  constructor(options: KeyRingOptions) {
    const rotationIntervalMs = options.rotationIntervalMs ?? 0;
    if (!(options.maxTokenLifetimeMs > 0) || !Number.isFinite(options.maxTokenLifetimeMs)) {
      throw new LiftConfigError('The key ring needs a positive, finite maxTokenLifetimeMs.');
    }
    if (!(rotationIntervalMs >= 0) || !Number.isFinite(rotationIntervalMs)) {
      throw new LiftConfigError('rotationIntervalMs must be 0 (off) or a positive, finite number of ms.');
    }
    this.#store = options.store;
    this.#invalidation = options.invalidation;
    this.#clock = options.clock;
    this.#sealing = options;
    this.#algorithm = options.algorithm;
    this.#maxTokenLifetimeMs = options.maxTokenLifetimeMs;
    this.#rotationIntervalMs = rotationIntervalMs;
    this.#rsaModulusLength = options.rsaModulusLength;
    this.#log = options.log;
  }
  get #sealingKey(): Buffer {
    return this.#sealing.sealingKey;
  }

  get #openingKeys(): readonly Buffer[] {
    return [this.#sealing.sealingKey, ...(this.#sealing.previousSealingKeys ?? [])];
  }

  /**
   * Loads the keys, creating and activating the first one when no key is active. Nodes starting together
   * each offer a key; the database activates exactly one and the others discard theirs. Then listens for
   * rotations and starts the refresh (and, when configured, rotation) timer.
   */
  async start(): Promise<void> {
    // Subscribed before loading, so a rotation committed meanwhile is not missed.
    if (this.#unsubscribe === undefined) {
      const unsubscribe = await this.#invalidation.on(KEYS_TOPIC, (kid) => this.#onAnnouncement(kid));
      // A rotation announced while the broker was unreachable was lost: reread the keys once it is back.
      const stopResync = this.#invalidation.onResync(() => this.#onAnnouncement(''));
      this.#unsubscribe = async () => {
        stopResync();
        await unsubscribe();
      };
    }
    await this.#reload();
    if (this.#view === undefined) {
      const kid = await this.#activateNewKey(null);
      if (kid !== null) this.#log.info({ kid, alg: this.#algorithm }, 'created the first signing key');
      await this.#reload();
    }
    if (this.#view === undefined) throw new LiftConfigError('No signing key is active after start.');
    if (this.#view.signing.alg !== this.#algorithm) {
      this.#log.info(
        { kid: this.#view.signing.kid, alg: this.#view.signing.alg, configured: this.#algorithm },
        'the active signing key keeps its alg; the configured one applies from the next rotation',
      );
    }
    if (this.#timer === undefined) {
      const period =
        this.#rotationIntervalMs > 0
          ? Math.min(REFRESH_INTERVAL_MS, this.#rotationIntervalMs)
          : REFRESH_INTERVAL_MS;
      this.#timer = setInterval(() => void this.#maintain(), period);
      this.#timer.unref();
    }
  }

  /** The active key. Synchronous: a field read. */
  signingKey(): SigningKey {
    return this.#requireView().signing;
  }

  /** The active key or a retired key still inside its verification window; undefined otherwise. */
  readonly resolve: KeyResolver = (kid) => {
    const entry = this.#view?.verifying.get(kid);
    if (entry === undefined || !this.#stillVerifies(entry, this.#clock.now())) return undefined;
    return entry.key;
  };

  /**
   * Activates a new key of the configured algorithm now. The previous key retires and keeps verifying for
   * `maxTokenLifetimeMs + ROTATION_SKEW_MS`; every node is told on `lift:keys`. `announce` (core/events.ts):
   * the events of the rotation, written in the transaction that activates the new key.
   */
  async rotate(options: Announcing<{ kid: string }> = {}): Promise<{ kid: string }> {
    this.#requireView();
    const kid = await this.#activateNewKey(undefined, options.announce);
    if (kid === null) {
      // Only possible when the new pending row was deleted before its activation.
      throw new LiftError('LIFT_INTERNAL', 500, 'Internal server error', {
        detail: 'The new signing key disappeared before it could be activated.',
      });
    }
    await this.#rotated(kid);
    return { kid };
  }

  /**
   * Rotates when `rotationIntervalMs` is on and the active key is at least that old; null otherwise. Nodes
   * calling this together rotate once: activation only succeeds while the key they saw is still active.
   */
  async rotateIfDue(): Promise<{ kid: string } | null> {
    if (this.#rotationIntervalMs === 0) return null;
    await this.#reload();
    const current = this.#requireView();
    if (this.#clock.now() - current.activatedAt < this.#rotationIntervalMs) return null;
    const kid = await this.#activateNewKey(current.signing.kid);
    if (kid === null) {
      await this.#reload();
      return null;
    }
    await this.#rotated(kid);
    return { kid };
  }

  /** Public keys of the active and still-verifying retired keys. HS* secrets are never listed. */
  jwks(): { keys: JsonWebKey[] } {
    const now = this.#clock.now();
    const keys: JsonWebKey[] = [];
    for (const entry of this.#requireView().verifying.values()) {
      if (entry.jwk !== null && this.#stillVerifies(entry, now)) keys.push({ ...entry.jwk });
    }
    return { keys };
  }

  /** Deletes keys whose verification window has passed, from the database and from this view; returns how many rows. */
  async prune(): Promise<number> {
    const now = this.#clock.now();
    const deleted = await this.#store.deleteExpired(now);
    for (const [kid, entry] of this.#view?.verifying ?? []) {
      if (!this.#stillVerifies(entry, now)) this.#view?.verifying.delete(kid);
    }
    return deleted;
  }

  /** Stops the timer and the subscription. The keys already loaded stay usable. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
    await this.#loading;
  }

  #requireView(): KeyView {
    if (this.#view === undefined)
      throw new LiftConfigError('KeyRing.start() must finish before keys are used.');
    return this.#view;
  }

  #stillVerifies(entry: VerifyingKey, now: number): boolean {
    return entry.verifyUntil === null || now <= entry.verifyUntil;
  }

  /** Generates, seals and stores a key, then activates it if `expectedActive` holds; its kid, or null. */
  async #activateNewKey(
    expectedActive: string | null | undefined,
    announce?: Announce<{ kid: string }>,
  ): Promise<string | null> {
    const generated = await generateSigningKey(this.#algorithm, {
      ...(this.#rsaModulusLength === undefined ? {} : { rsaModulusLength: this.#rsaModulusLength }),
    });
    await this.#store.insert({
      kid: generated.kid,
      alg: generated.alg,
      publicJwk: generated.publicJwk,
      privateSealed: sealSigningKey(this.#sealingKey, generated),
      createdAt: this.#clock.now(),
    });
    const now = this.#clock.now();
    const activated = await this.#store.activate(generated.kid, {
      now,
      previousVerifyUntil: now + this.#maxTokenLifetimeMs + ROTATION_SKEW_MS,
      expectedActive,
      ...(announce ? { announce: () => announce({ kid: generated.kid }) } : {}),
    });
    if (activated) return generated.kid;
    await this.#store.discardPending(generated.kid);
    return null;
  }

  async #rotated(kid: string): Promise<void> {
    await this.#reload();
    this.#log.info({ kid, alg: this.#algorithm }, 'rotated the signing key');
    // The rotation is committed; a node that misses this picks it up on resync or at its next refresh.
    this.#invalidation.invalidate(KEYS_TOPIC, kid);
  }

  #onAnnouncement(kid: string): void {
    if (this.#view !== undefined && kid === this.#view.signing.kid) return;
    this.#reload().catch((error: unknown) => {
      this.#log.error(
        { err: error },
        'reloading signing keys after a rotation failed; keeping the current keys',
      );
    });
  }

  async #maintain(): Promise<void> {
    if (this.#maintaining) return;
    this.#maintaining = true;
    try {
      if (this.#rotationIntervalMs > 0) {
        await this.rotateIfDue();
        await this.prune();
      } else {
        await this.#reload();
      }
    } catch (error) {
      this.#log.error({ err: error }, 'signing key maintenance failed; will retry at the next interval');
    } finally {
      this.#maintaining = false;
    }
  }

  #reload(): Promise<void> {
    const load = this.#loading.then(() => this.#load());
    this.#loading = load.catch(() => undefined);
    return load;
  }

  /** Replaces the view with the database's; keeps the current one when no key is active there. */
  async #load(): Promise<void> {
    const now = this.#clock.now();
    const stored = await this.#store.list();
    const active = stored
      .filter((key) => key.status === 'active')
      .sort((a, b) => (b.activatedAt ?? 0) - (a.activatedAt ?? 0))[0];
    if (active === undefined) {
      if (this.#view !== undefined)
        this.#log.error({}, 'no signing key is active in the database; keeping the current one');
      return;
    }
    const signing = openSigningKey(this.#openingKeys, active);
    const verifying = new Map<string, VerifyingKey>([[active.kid, verifyingKey(signing, null)]]);
    for (const key of stored) {
      if (key.kid === active.kid || !verifiesAt(key, now)) continue;
      verifying.set(key.kid, verifyingKey(openSigningKey(this.#openingKeys, key), key.verifyUntil));
    }
    this.#view = { signing, activatedAt: active.activatedAt ?? active.createdAt, verifying };
  }
}

function verifiesAt(key: StoredSigningKey, now: number): boolean {
  if (key.status === 'active') return true;
  return key.status === 'retired' && key.verifyUntil !== null && now <= key.verifyUntil;
}

function verifyingKey(signing: SigningKey, verifyUntil: number | null): VerifyingKey {
  if (isHmacAlgorithm(signing.alg)) return { key: signing, verifyUntil, jwk: null };
  const publicKey = createPublicKey(signing.key);
  return {
    key: { kid: signing.kid, alg: signing.alg, key: publicKey },
    verifyUntil,
    jwk: Object.freeze(publicJwk(publicKey, signing.kid, signing.alg)),
  };
}
