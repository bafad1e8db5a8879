/**
 * Every row id is a Postgres uuid (prisma/schema.prisma). Postgres refuses other text in a uuid
 * column with an error, which would surface as a 500; an id that cannot exist is checked here
 * first and answers like one that does not.
 */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}
