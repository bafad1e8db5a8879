/**
 * `npm run rotate-master-key`: re-seals every CA key under NC_MASTER_KEY.
 *   NC_MASTER_KEY=<new> NC_MASTER_KEY_PREVIOUS=<old> DATABASE_URL=... npm run rotate-master-key
 */
import { rotateMasterKey } from "../lib/pki/key-rotation";
import { db } from "../lib/db/client";

try {
  const { resealed, alreadyCurrent } = await rotateMasterKey();
  console.log(`Re-sealed ${resealed} CA key(s); ${alreadyCurrent} were already under the current key. NC_MASTER_KEY_PREVIOUS can now be removed.`);
} catch (error) {
  console.error(`Rotation failed, nothing was changed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
