import { createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { redisUrl, uniqueRedisPrefix } from '../../../test/support/services.ts';
import { type OpenSql, onEverySqlDatabase } from '../../../test/support/stores.ts';
import { ManualClock } from '../../core/clock.ts';
import { BrokerInvalidation } from '../../core/invalidation.ts';
import { MemoryBroker } from '../../storage/memory/memory-broker.ts';
import type { Broker, SqlDatabase } from '../../storage/ports.ts';
import { RedisBroker } from '../../storage/redis/redis-broker.ts';
import type { JwsAlgorithm } from '../jws/jws-types.ts';
import { KeyRing, type KeyRingOptions, ROTATION_SKEW_MS } from './key-ring.ts';
import { SqlSigningKeyStore } from './sql-signing-key-store.ts';

const START = Date.UTC(2026, 0, 1);
const LIFETIME = 15 * 60_000;
const DAY = 86_400_000;
const DATA = Buffer.from('header.payload');

interface BrokerTarget {
  name: string;
  /** A broker for one node; nodes made by the same factory hear each other. */
  factory(): { node(): Broker; close(): Promise<void> };
}

const silentLog: KeyRingOptions['log'] = { info: () => {}, warn: () => {}, error: () => {} };

const redis = await redisUrl();
const brokerTargets: BrokerTarget[] = [
  {
    name: 'a shared MemoryBroker',
    factory() {
      const broker = new MemoryBroker();
      return { node: () => broker, close: () => broker.close() };
    },
  },
  ...(redis === undefined
    ? []
    : [
        {
          name: 'Redis',
          factory() {
            const prefix = uniqueRedisPrefix('keys');
            const brokers: RedisBroker[] = [];
            return {
              node() {
                const broker = new RedisBroker({ url: redis, prefix });
                brokers.push(broker);
                return broker;
              },
              close: async () => {
                await Promise.all(brokers.map((broker) => broker.close()));
              },
            };
          },
        },
      ]),
];

interface Fixture {
  database: SqlDatabase;
  store: SqlSigningKeyStore;
  clock: ManualClock;
  sealingKey: Buffer;
  /** A node's ring on this database; closed with the fixture. */
  ring(options?: Partial<Omit<KeyRingOptions, 'invalidation'>> & { broker?: Broker }): KeyRing;
  close(): Promise<void>;
}

async function fixture({ database, close }: OpenSql): Promise<Fixture> {
  const clock = new ManualClock(START);
  const sealingKey = randomBytes(32);
  const store = new SqlSigningKeyStore(database);
  const broker = new MemoryBroker();
  const rings: KeyRing[] = [];
  return {
    database,
    store,
    clock,
    sealingKey,
    ring(options = {}) {
      const { broker: nodeBroker = broker, ...rest } = options;
      const ring = new KeyRing({
        store,
        invalidation: new BrokerInvalidation(() => nodeBroker, silentLog),
        clock,
        sealingKey,
        algorithm: 'EdDSA',
        maxTokenLifetimeMs: LIFETIME,
        log: silentLog,
        ...rest,
      });
      rings.push(ring);
      return ring;
    },
    async close() {
      await Promise.all(rings.map((ring) => ring.close()));
      await broker.close();
      await close();
    },
  };
}

function verifies(ring: KeyRing, kid: string, signature: Buffer): boolean {
  const key = ring.resolve(kid);
  return key !== undefined && verify(null, DATA, key.key, signature);
}

function keyRingBehaviour(openDatabase: () => Promise<OpenSql>): void {
  const open = async () => fixture(await openDatabase());

  it('creates exactly one active EdDSA key on first start, and the next node reuses it', async () => {
    const { store, ring, close } = await open();
    const first = ring();
    expect(() => first.signingKey()).toThrow(expect.objectContaining({ code: 'LIFT_CONFIG_INVALID' }));
    await first.start();
    const rows = await store.list();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ alg: 'EdDSA', status: 'active', activatedAt: START, verifyUntil: null });
    const signing = first.signingKey();
    expect(signing).toMatchObject({ kid: rows[0]?.kid, alg: 'EdDSA' });
    expect(signing.key.type).toBe('private');
    expect(signing.key.asymmetricKeyType).toBe('ed25519');
    expect(first.resolve(signing.kid)?.key.type).toBe('public');
    expect(verifies(first, signing.kid, sign(null, DATA, signing.key))).toBe(true);
    expect(first.resolve('unknown')).toBeUndefined();

    const second = ring();
    await second.start();
    expect(second.signingKey().kid).toBe(signing.kid);
    expect(verifies(second, signing.kid, sign(null, DATA, signing.key))).toBe(true);
    expect(await store.list()).toHaveLength(1);
    await close();
  });

  it('ends with one active key that every node agrees on when nodes start together', async () => {
    const { store, ring, close } = await open();
    const rings = Array.from({ length: 5 }, () => ring());
    await Promise.all(rings.map((node) => node.start()));
    const rows = await store.list();
    expect(rows.map((row) => row.status)).toEqual(['active']);
    expect(new Set(rings.map((node) => node.signingKey().kid))).toEqual(new Set([rows[0]?.kid]));
    await close();
  });

  it('rotates: the old key verifies and stays in the JWKS until its window passes, then prune drops it', async () => {
    const { store, clock, ring, close } = await open();
    const node = ring();
    await node.start();
    const old = node.signingKey();
    const oldSignature = sign(null, DATA, old.key);
    clock.advance(1_000);
    const { kid } = await node.rotate();
    expect(kid).not.toBe(old.kid);
    expect(node.signingKey().kid).toBe(kid);
    expect(node.jwks().keys.map((jwk) => jwk.kid)).toEqual([kid, old.kid]);
    const verifyUntil = START + 1_000 + LIFETIME + ROTATION_SKEW_MS;
    expect((await store.list()).find((row) => row.kid === old.kid)).toMatchObject({
      status: 'retired',
      retiredAt: START + 1_000,
      verifyUntil,
    });

    clock.set(verifyUntil);
    expect(verifies(node, old.kid, oldSignature)).toBe(true);
    expect(await node.prune()).toBe(0);
    expect(node.jwks().keys.map((jwk) => jwk.kid)).toEqual([kid, old.kid]);

    clock.advance(1);
    expect(node.resolve(old.kid)).toBeUndefined();
    expect(node.jwks().keys.map((jwk) => jwk.kid)).toEqual([kid]);
    expect(await node.prune()).toBe(1);
    expect((await store.list()).map((row) => row.kid)).toEqual([kid]);
    expect(node.jwks().keys.map((jwk) => jwk.kid)).toEqual([kid]);
    expect(verifies(node, kid, sign(null, DATA, node.signingKey().key))).toBe(true);
    await close();
  });

  for (const brokerTarget of brokerTargets) {
    it(`tells another node of a rotation within a second over ${brokerTarget.name}`, async () => {
      const { ring, close } = await open();
      const brokers = brokerTarget.factory();
      const rotating = ring({ broker: brokers.node() });
      const other = ring({ broker: brokers.node() });
      await rotating.start();
      await other.start();
      const old = rotating.signingKey().kid;
      const { kid } = await rotating.rotate();
      await vi.waitFor(() => expect(other.signingKey().kid).toBe(kid), { timeout: 1_000, interval: 5 });
      expect(other.resolve(old)).toBeDefined();
      expect(other.jwks()).toEqual(rotating.jwks());
      await close();
      await brokers.close();
    });
  }

  it('rotates on schedule once, however many nodes find the key due', async () => {
    const { store, clock, ring, close } = await open();
    const nodes = [ring({ rotationIntervalMs: DAY }), ring({ rotationIntervalMs: DAY })];
    const manual = ring();
    for (const node of [...nodes, manual]) await node.start();
    clock.advance(DAY - 1);
    expect(await Promise.all(nodes.map((node) => node.rotateIfDue()))).toEqual([null, null]);
    clock.advance(1);
    expect(await manual.rotateIfDue()).toBeNull();
    const results = await Promise.all(nodes.map((node) => node.rotateIfDue()));
    const rotated = results.filter((result) => result !== null);
    expect(rotated).toHaveLength(1);
    const rows = await store.list();
    expect(rows.map((row) => row.status).sort()).toEqual(['active', 'retired']);
    expect(rows.find((row) => row.status === 'active')?.kid).toBe(rotated[0]?.kid);
    await vi.waitFor(() => {
      for (const node of [...nodes, manual]) expect(node.signingKey().kid).toBe(rotated[0]?.kid);
    });
    await close();
  });

  it('stores private keys and secrets sealed, never in clear', async () => {
    const { database, ring, close } = await open();
    for (const algorithm of ['EdDSA', 'HS256'] as const) {
      const node = ring({ algorithm });
      await node.start();
      // The HS256 node finds the EdDSA key active, so it makes its own by rotating.
      if (algorithm === 'HS256') await node.rotate();
      const { kid, key } = node.signingKey();
      const row = await database.db
        .selectFrom('lift_signing_keys')
        .selectAll()
        .where('kid', '=', kid)
        .executeTakeFirstOrThrow();
      const clear =
        key.type === 'secret'
          ? [key.export()]
          : [
              key.export({ format: 'der', type: 'pkcs8' }),
              Buffer.from(String(key.export({ format: 'jwk' }).d), 'base64url'),
            ];
      const stored = JSON.stringify(row);
      expect(row.private_sealed).toMatch(/^v1\./);
      expect(stored).not.toMatch(/BEGIN|PRIVATE|"d"/);
      for (const bytes of clear) {
        for (const encoding of ['base64', 'base64url', 'hex'] as const) {
          expect(stored).not.toContain(bytes.toString(encoding));
        }
      }
    }
    await close();
  });

  const asymmetric: Array<{ alg: JwsAlgorithm; kty: string; crv?: string; members: string[] }> = [
    { alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519', members: ['crv', 'x'] },
    { alg: 'ES256', kty: 'EC', crv: 'P-256', members: ['crv', 'x', 'y'] },
    { alg: 'RS256', kty: 'RSA', members: ['e', 'n'] },
    { alg: 'PS256', kty: 'RSA', members: ['e', 'n'] },
  ];

  for (const { alg, kty, crv, members } of asymmetric) {
    it(`publishes the ${alg} public key in the JWKS, with no private member`, async () => {
      const { store, ring, close } = await open();
      const node = ring({ algorithm: alg });
      await node.start();
      const { keys } = node.jwks();
      expect(keys).toHaveLength(1);
      const [jwk] = keys;
      expect(Object.keys(jwk ?? {}).sort()).toEqual([...members, 'alg', 'kid', 'kty', 'use'].sort());
      expect(jwk).toMatchObject({
        kty,
        alg,
        kid: node.signingKey().kid,
        use: 'sig',
        ...(crv ? { crv } : {}),
      });
      const spki = (key: Parameters<typeof createPublicKey>[0]) =>
        createPublicKey(key).export({ format: 'der', type: 'spki' });
      expect(spki({ key: jwk ?? {}, format: 'jwk' })).toEqual(spki(node.signingKey().key));
      if (kty === 'RSA') expect(Buffer.from(String(jwk?.n), 'base64url')).toHaveLength(256);
      expect((await store.list())[0]?.publicJwk).toEqual(jwk);
      await close();
    });
  }

  it('makes 3072-bit RSA keys when asked', async () => {
    const { ring, close } = await open();
    const node = ring({ algorithm: 'PS256', rsaModulusLength: 3072 });
    await node.start();
    expect(node.signingKey().key.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(Buffer.from(String(node.jwks().keys[0]?.n), 'base64url')).toHaveLength(384);
    await close();
  });

  it('never publishes HS secrets, which still sign and verify', async () => {
    const { store, ring, close } = await open();
    const asymmetricNode = ring();
    await asymmetricNode.start();
    const edKid = asymmetricNode.signingKey().kid;
    for (const [algorithm, bytes] of [
      ['HS256', 32],
      ['HS384', 48],
      ['HS512', 64],
    ] as const) {
      const node = ring({ algorithm });
      await node.start();
      const { kid } = await node.rotate();
      const signing = node.signingKey();
      expect(signing).toMatchObject({ kid, alg: algorithm });
      expect(signing.key.type).toBe('secret');
      expect(signing.key.symmetricKeySize).toBe(bytes);
      expect(node.resolve(kid)).toEqual(signing);
      expect(node.jwks().keys.map((jwk) => jwk.kid)).toEqual([edKid]);
      expect((await store.list()).find((row) => row.kid === kid)?.publicJwk).toBeNull();
    }
    await close();
  });

  it('refuses to load a sealed key moved to another row, or sealed under another key', async () => {
    const { database, store, clock, sealingKey, ring, close } = await open();
    const node = ring();
    await node.start();
    await node.rotate();
    await expect(ring({ sealingKey: randomBytes(32) }).start()).rejects.toMatchObject({
      code: 'LIFT_SECRET_UNREADABLE',
    });
    const [active, retired] = await store.list();
    for (const [row, other] of [
      [active, retired],
      [retired, active],
    ]) {
      await database.db
        .updateTable('lift_signing_keys')
        .set({ private_sealed: other?.privateSealed ?? '' })
        .where('kid', '=', row?.kid ?? '')
        .execute();
    }
    const swapped = new KeyRing({
      store,
      invalidation: new BrokerInvalidation(() => new MemoryBroker(), silentLog),
      clock,
      sealingKey,
      algorithm: 'EdDSA',
      maxTokenLifetimeMs: LIFETIME,
      log: silentLog,
    });
    await expect(swapped.start()).rejects.toMatchObject({ code: 'LIFT_SECRET_UNREADABLE' });
    await swapped.close();
    await close();
  });
}

await onEverySqlDatabase('KeyRing', 'key_ring', (target) => {
  describe(`KeyRing on ${target.name}`, () => {
    keyRingBehaviour(() => target.open());
  });
});
