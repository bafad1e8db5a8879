/**
 * Whole-number settings read from the environment, all one way. Unset or empty takes the default
 * (compose passes every variable, set or not); anything else must be plain digits within the
 * setting's range. `Number()` alone would let "1e3", "0x10" and " " through, and turn a typo into
 * NaN: a NaN timeout fires at once, a NaN lifetime makes nebula-cert refuse every signature. A
 * refusal names the setting, its range and what was given, and server.ts asks for every setting
 * when it starts, so that a typo stops it there instead of failing requests later.
 */
export type Env = Record<string, string | undefined>;

export interface WholeNumberSpec {
  /** What the number counts, for the message: "seconds", "connections", "enrollments per minute". */
  unit?: string;
  min: number;
  max: number;
  /** Said after the range when leaving the setting empty means something of its own. */
  whenEmpty?: string;
}

export class SettingError extends Error {
  override name = "SettingError";
}

/** The setting's value, or null when it is unset or empty; throws SettingError on anything else out of line. */
export function wholeNumberSetting(env: Env, name: string, spec: WholeNumberSpec): number | null {
  const raw = env[name]?.trim();
  if (!raw) return null;
  const value = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= spec.min && value <= spec.max)) {
    const what = spec.unit ? `a whole number of ${spec.unit}` : "a whole number";
    throw new SettingError(`${name} must be ${what} from ${spec.min} to ${spec.max}${spec.whenEmpty ? `, or empty ${spec.whenEmpty}` : ""}, not "${raw}"`);
  }
  return value;
}

/** The setting's value, or `fallback` when it is unset or empty. */
export function wholeNumberOr(env: Env, name: string, spec: WholeNumberSpec, fallback: number): number {
  return wholeNumberSetting(env, name, spec) ?? fallback;
}

/** A TCP port to listen on (PORT, NC_EMBEDDED_PG_PORT). */
export function portSetting(env: Env, name: string, fallback: number): number {
  return wholeNumberOr(env, name, { min: 1, max: 65_535 }, fallback);
}
