/**
 * Reads a JSON request body with a byte limit that holds while the body arrives: a chunked body
 * (no Content-Length) is counted chunk by chunk and reading stops at the limit, so an oversized
 * request costs at most `limit` bytes of memory, never the whole upload.
 */
import { AppError } from "@/lib/core/app-error";

export const MAX_JSON_BODY_BYTES = 64 * 1024;

const tooLarge = (limit: number) => new AppError("payload_too_large", `The request body is too large (at most ${limit} bytes)`);

async function readBytes(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Not awaited: the answer must not wait on a client that keeps sending.
      reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export async function readJsonBody(req: Request, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new AppError("unsupported_media_type", "Send the request body as application/json");
  }
  // A declared length over the limit is refused before a byte is read; one that lies is caught while reading.
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const text = new TextDecoder().decode(await readBytes(req, limit));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new AppError("bad_request", "The request body must be a JSON object");
  }
  return value;
}
