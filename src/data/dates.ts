/**
 * Calendar arithmetic on ISO dates (YYYY-MM-DD) as days since 1970-01-01, proleptic Gregorian,
 * without Date objects (Howard Hinnant's days_from_civil / civil_from_days). No dependencies, so
 * the modules that need only dates (synthetic market, CSV) do not load Apache Arrow.
 */

/** YYYYMMDD (as an integer) → days since 1970-01-01. */
export function dateKeyToEpochDay(key: number): number {
  let y = Math.floor(key / 10000);
  const m = Math.floor(key / 100) % 100;
  const d = key % 100;
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** "YYYY-MM-DD" → days since 1970-01-01 (the text is assumed valid: see parseDateKey to check). */
export function isoToEpochDay(iso: string): number {
  return dateKeyToEpochDay(Number(iso.slice(0, 4)) * 10000 + Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10)));
}

/** Days since 1970-01-01 → "YYYY-MM-DD". */
export function epochDayToIso(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Day of the week, Monday = 0 .. Sunday = 6 (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}
