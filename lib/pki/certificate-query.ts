/**
 * One page of a network's issued certificates, searched and filtered in Postgres, so that a
 * network of 10,000 nodes (and every certificate they were ever issued) never travels whole to a
 * browser. Used by the certificates page and by GET /api/v1/networks/:id/certificates when it is
 * given any of these parameters.
 *
 * The filter is one SQL fragment rather than a Prisma where: "renewal due" (and so "valid")
 * compares a certificate's remaining time with a third of its own lifetime, two columns with
 * arithmetic, which a Prisma where cannot say. Filtering on ids found by a separate raw query
 * would ship every due certificate's id back and forth instead of one page.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { lineText } from "@/lib/core/text-schema";
import { Prisma } from "@/lib/generated/prisma/client";
import { certificateInclude, toCertificateView, type CertificateView } from "./certificate-queries";

export const CERTIFICATE_STATUS_FILTERS = ["valid", "renewal-due", "expired", "revoked", "expiring"] as const;
/** "expiring": unrevoked and expiring within this many days (the dashboard's warning, lib/nodes/fleet-health.ts). */
export const CERT_EXPIRY_WARNING_DAYS = 30;
export type CertificateStatusFilter = (typeof CERTIFICATE_STATUS_FILTERS)[number];
export const CERTIFICATE_PAGE_SIZE = 25;
export const CERTIFICATE_PAGE_SIZE_MAX = 200;

export const certificateQuerySchema = z.object({
  q: lineText(100, "Search for at most 100 characters").default(""),
  status: z.enum(CERTIFICATE_STATUS_FILTERS, { error: `Choose one of ${CERTIFICATE_STATUS_FILTERS.join(", ")}` }).optional(),
  page: z.coerce.number({ error: "Use a page number" }).int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce
    .number({ error: "Use a page size" })
    .int()
    .min(1)
    .max(CERTIFICATE_PAGE_SIZE_MAX, `At most ${CERTIFICATE_PAGE_SIZE_MAX} certificates a page`)
    .default(CERTIFICATE_PAGE_SIZE),
});
export type CertificateQuery = z.infer<typeof certificateQuerySchema>;

export interface CertificatePage {
  certificates: CertificateView[];
  total: number;
  page: number;
  pageSize: number;
  pages: number;
}

/**
 * Fingerprints are random hex, so a short search such as "db" or "cafe" would match 1 in 16^n of
 * them and bury the certificates it names; shorter text is not taken as a fingerprint.
 */
const FINGERPRINT_PREFIX_MIN = 6;

/** `text` matched literally by LIKE: its own % and _ are not wildcards. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

/**
 * The statuses split the certificates in the order the page shows them: revoked first (even once
 * expired), then expired, then renewal due, and the rest valid. "expiring" cuts across them: the
 * live certificates that expire within CERT_EXPIRY_WARNING_DAYS, whatever their lifetime.
 */
function statusSql(status: CertificateStatusFilter, now: string): Prisma.Sql {
  const live = Prisma.sql`c."revokedAt" IS NULL AND c."notAfter" >= ${now}::timestamptz`;
  // isRenewalDue (sign-host.ts), less than a third of the lifetime left, multiplied out by 3.
  const due = Prisma.sql`3 * (c."notAfter" - ${now}::timestamptz) < c."notAfter" - c."notBefore"`;
  switch (status) {
    case "revoked":
      return Prisma.sql`c."revokedAt" IS NOT NULL`;
    case "expired":
      return Prisma.sql`c."revokedAt" IS NULL AND c."notAfter" < ${now}::timestamptz`;
    case "renewal-due":
      return Prisma.sql`${live} AND ${due}`;
    case "valid":
      return Prisma.sql`${live} AND NOT (${due})`;
    case "expiring":
      return Prisma.sql`${live} AND c."notAfter" < ${now}::timestamptz + make_interval(days => ${CERT_EXPIRY_WARNING_DAYS})`;
  }
}

function searchSql(q: string): Prisma.Sql {
  const contains = `%${likeLiteral(q)}%`;
  const prefix = `${likeLiteral(q)}%`;
  const or = [
    Prisma.sql`n.name ILIKE ${contains}`,
    Prisma.sql`c.name ILIKE ${contains}`,
    // ip is the signed text, "10.42.0.7/16": a prefix of it is an address prefix.
    Prisma.sql`c.ip LIKE ${prefix}`,
    Prisma.sql`EXISTS (SELECT 1 FROM unnest(c.groups) AS g(name) WHERE g.name ILIKE ${contains})`,
  ];
  if (q.length >= FINGERPRINT_PREFIX_MIN && /^[0-9a-f]+$/i.test(q)) or.push(Prisma.sql`c.fingerprint ILIKE ${prefix}`);
  return Prisma.sql`(${Prisma.join(or, " OR ")})`;
}

/** Over "Certificate" c LEFT JOIN "Node" n. */
function whereSql(networkId: string, query: CertificateQuery, now: string): Prisma.Sql {
  const and = [Prisma.sql`c."networkId" = ${networkId}::uuid`];
  if (query.status) and.push(statusSql(query.status, now));
  if (query.q) and.push(searchSql(query.q));
  return Prisma.join(and, " AND ");
}

/** Newest first. `now` decides expiry and the renewal window, in the filter and the rows alike. */
export async function listCertificatesPage(networkId: string, query: CertificateQuery, now = new Date()): Promise<CertificatePage> {
  // An explicit ISO instant, so that the comparison never depends on how a Date is bound or on the session's time zone.
  const where = whereSql(networkId, query, now.toISOString());
  const from = Prisma.sql`"Certificate" c LEFT JOIN "Node" n ON n.id = c."nodeId"`;
  const [{ total }] = await db.$queryRaw<[{ total: number }]>`SELECT count(*)::int AS total FROM ${from} WHERE ${where}`;
  const pages = Math.max(1, Math.ceil(total / query.pageSize));
  const page = Math.min(query.page, pages);
  const ids = await db.$queryRaw<Array<{ id: string }>>`
    SELECT c.id FROM ${from} WHERE ${where}
    ORDER BY c."createdAt" DESC, c.id DESC
    LIMIT ${query.pageSize} OFFSET ${(page - 1) * query.pageSize}`;
  const rows = await db.certificate.findMany({
    where: { id: { in: ids.map((r) => r.id) } },
    include: certificateInclude,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return { certificates: rows.map((c) => toCertificateView(c, now)), total, page, pageSize: query.pageSize, pages };
}
