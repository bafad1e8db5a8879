import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as networks from "@/app/api/v1/networks/route";
import { db } from "@/lib/db/client";
import { call, createTestUser, freshCidr } from "@/lib/testing/api-harness";
import { unsealCaKey } from "./certificate-authority";
import { rotateMasterKey } from "./key-rotation";
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
});
