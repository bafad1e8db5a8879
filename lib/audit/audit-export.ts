/**
 * The audit trail as a file: CSV or JSON lines, with the same filters as the list, streamed in
 * batches so that a trail of millions of rows never sits in memory as one string. Pages are read
 * by keyset (createdAt, id), not OFFSET, so each batch costs the same however deep it is, and
 * rows written during the export do not shift the pages.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { auditFilterShape, auditWhere, type AuditFilter, type AuditScope } from "./audit-query";
import { csvRow } from "./csv";

export const AUDIT_EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export const auditExportQuerySchema = z
  .object({
    ...auditFilterShape,
    format: z.enum(AUDIT_EXPORT_FORMATS, { error: "Choose csv or jsonl" }).default("csv"),
  })
  .strict();
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;

export const AUDIT_EXPORT_BATCH = 500;

const COLUMNS = ["createdAt", "id", "networkId", "actorId", "actorName", "action", "targetType", "targetId", "targetName", "before", "after", "clientIp", "requestId"] as const;

type AuditRow = Prisma.AuditEventGetPayload<object>;

function exportRecord(r: AuditRow) {
  return {
    createdAt: r.createdAt.toISOString(),
    id: r.id,
    networkId: r.networkId,
    actorId: r.actorId,
    actorName: r.actorName,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    targetName: r.targetName,
    before: r.before,
    after: r.after,
    clientIp: r.clientIp,
    requestId: r.requestId,
  };
}

function csvLine(r: AuditRow): string {
  const rec = exportRecord(r);
  return csvRow(COLUMNS.map((c) => (c === "before" || c === "after" ? (rec[c] == null ? null : JSON.stringify(rec[c])) : rec[c])));
}

/** Newest first, like the list; each pull reads one batch, so a slow client slows the reads too. */
export function auditExportStream(scope: AuditScope, filter: AuditFilter, format: AuditExportFormat, batchSize = AUDIT_EXPORT_BATCH): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const where = auditWhere(scope, filter);
  let cursor: { createdAt: Date; id: string } | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let text = "";
        if (!started && format === "csv") text += csvRow([...COLUMNS]);
        started = true;
        const rows: AuditRow[] = await db.auditEvent.findMany({
          where: cursor
            ? { AND: [where, { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] }] }
            : where,
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: batchSize,
        });
        for (const r of rows) text += format === "csv" ? csvLine(r) : `${JSON.stringify(exportRecord(r))}\n`;
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (!last || rows.length < batchSize) controller.close();
        else cursor = { createdAt: last.createdAt, id: last.id };
      } catch (error) {
        // Headers are gone by now: the client sees a cut-off download, the log says why.
        console.error("[audit] export failed mid-stream:", error);
        controller.error(error);
      }
    },
  });
}

/** The download: a streamed body, named for what it holds and when. */
export function auditExportResponse(scope: AuditScope, query: AuditExportQuery, label: string, now = new Date()): Response {
  const { format, ...filter } = query;
  const safeLabel = label.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "audit";
  const stamp = now.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const filename = `${safeLabel}-${stamp}.${format}`;
  return new Response(auditExportStream(scope, filter, format), {
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "x-content-type-options": "nosniff",
    },
  });
}
