import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import { advisoryLock, db, transaction } from "@/lib/db/client";
import { testHooks } from "@/lib/networks/network-service";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { unsealCaKey } from "./certificate-authority";
import { CA_KEYS_LOCK, rotateMasterKey } from "./key-rotation";
import { keyIdOf, parseMasterKey } from "./secret-box";

describe("master key rotation", () => {
  it("re-seals every CA key under the new key, and the old key is then unnecessary", async () => {
    const user = await createTestUser();
    const r = await call(networks.POST, "POST", { as: user, body: { name: "rotate", cidr: freshCidr() } });
    const caBefore = await db.ca.findFirstOrThrow({ where: { networkId: r.json.network.id }, omit: { keyCiphertext: false } });
    const plain = unsealCaKey(caBefore);

    const oldKey = process.env.NC_MASTER_KEY!;
    const newKey = randomBytes(32).toString("base64");
    const result = await rotateMasterKey({ ...process.env, NC_MASTER_KEY: newKey, NC_MASTER_KEY_PREVIOUS: oldKey } as NodeJS.ProcessEnv);
    expect(result.resealed).toBeGreaterThanOrEqual(1);

    const caAfter = await db.ca.findFirstOrThrow({ where: { id: caBefore.id }, omit: { keyCiphertext: false } });
    expect(keyIdOf(caAfter.keyCiphertext)).toBe(parseMasterKey(newKey).id);
    const saved = { key: process.env.NC_MASTER_KEY, prev: process.env.NC_MASTER_KEY_PREVIOUS };
    process.env.NC_MASTER_KEY = newKey;
    delete process.env.NC_MASTER_KEY_PREVIOUS;
    try {
      expect(unsealCaKey(caAfter)).toBe(plain);
      // Rotating back restores the suite's key for the tests that follow.
      await rotateMasterKey({ ...process.env, NC_MASTER_KEY: oldKey, NC_MASTER_KEY_PREVIOUS: newKey } as NodeJS.ProcessEnv);
    } finally {
      process.env.NC_MASTER_KEY = saved.key;
      if (saved.prev) process.env.NC_MASTER_KEY_PREVIOUS = saved.prev;
    }
    const restored = await db.ca.findFirstOrThrow({ where: { id: caBefore.id }, omit: { keyCiphertext: false } });
    expect(unsealCaKey(restored)).toBe(plain);
  });

  it("changes nothing when a key is missing", async () => {
    const before = await db.ca.findMany({ omit: { keyCiphertext: false }, orderBy: { id: "asc" } });
    await expect(rotateMasterKey({ ...process.env, NC_MASTER_KEY: randomBytes(32).toString("base64"), NC_MASTER_KEY_PREVIOUS: "" } as NodeJS.ProcessEnv)).rejects.toThrow(/not configured/);
    const after = await db.ca.findMany({ omit: { keyCiphertext: false }, orderBy: { id: "asc" } });
    expect(after.map((c) => c.keyCiphertext)).toEqual(before.map((c) => c.keyCiphertext));
  });

  describe("racing a CA being created by another replica", () => {
    afterEach(() => {
      delete testHooks.afterNetworkWrite;
    });

    const oldKey = () => process.env.NC_MASTER_KEY!;
    const rotateTo = (current: string, previous: string) => rotateMasterKey({ ...process.env, NC_MASTER_KEY: current, NC_MASTER_KEY_PREVIOUS: previous } as NodeJS.ProcessEnv);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it("a CA inserted but not yet committed when the rotation starts is still re-sealed", async () => {
      const user = await createTestUser();
      const newKey = randomBytes(32).toString("base64");
      let inserted!: () => void;
      const insertedSignal = new Promise<void>((r) => (inserted = r));
      let commit!: () => void;
      const commitGate = new Promise<void>((r) => (commit = r));
      // The other replica: its CA row is written (sealed under the old key) and its transaction is still open.
      testHooks.afterNetworkWrite = async () => {
        inserted();
        await commitGate;
      };
      const creating = call(networks.POST, "POST", { as: user, body: { name: "mid-rotation", cidr: freshCidr() } });
      await insertedSignal;
      let rotated = false;
      const rotating = rotateTo(newKey, oldKey()).then((r) => ((rotated = true), r));
      await sleep(500);
      const finishedEarly = rotated;
      commit();
      const [created] = await Promise.all([creating, rotating]);
      try {
        expect(created.status).toBe(201);
        const ca = await db.ca.findFirstOrThrow({ where: { networkId: created.json.network.id }, omit: { keyCiphertext: false } });
        expect(keyIdOf(ca.keyCiphertext)).toBe(parseMasterKey(newKey).id);
        // It waited for the insert to commit instead of scanning past it.
        expect(finishedEarly).toBe(false);
      } finally {
        await rotateTo(oldKey(), newKey);
      }
    });

    it("a CA insert waits while a rotation holds the lock", async () => {
      const user = await createTestUser();
      let created = false;
      let creating!: Promise<{ status: number }>;
      await transaction(async (tx) => {
        await advisoryLock(tx, CA_KEYS_LOCK);
        creating = call(networks.POST, "POST", { as: user, body: { name: "after-rotation", cidr: freshCidr() } }).then((r) => ((created = true), r));
        await sleep(700);
        expect(created).toBe(false);
      });
      expect((await creating).status).toBe(201);
    });
  });
});
