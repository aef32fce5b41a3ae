/**
 * The provider's two payload versions, written as the provider writes them: JSON text with decimal numbers kept as
 * text (`12345.678`, never a binary float). Pure functions of their arguments.
 */

/** The fields of a v1 payload (register 2, an accumulated reading). Timestamps are written as given. */
export interface V1Fields {
  readonly dataTime: string;
  readonly systemTime: string;
  /** A number, or the JSON text of one (`'2.0'`, see {@link writeInteger}). */
  readonly registerId: number | string;
  /** Decimal text of the reading. */
  readonly reading: string;
}

/** The fields of a v2 payload (any other register, an interval value). */
export interface V2Fields {
  readonly start: string;
  readonly end: string;
  /** A number, or the JSON text of one (`'1.2e1'`, see {@link writeInteger}). */
  readonly registerId: number | string;
  /** Decimal text of the value. */
  readonly value: string;
}

/** The JSON members of a payload, in order, each as `name` and raw JSON text. */
export type Members = ReadonlyArray<readonly [name: string, json: string]>;

/** The members of a v1 payload. */
export function v1Members(f: V1Fields): Members {
  return [
    ['smarteo_payload_schema_version', '1'],
    ['data_timestamp_utc', JSON.stringify(f.dataTime)],
    ['system_timestamp_utc', JSON.stringify(f.systemTime)],
    ['register_id', String(f.registerId)],
    ['meter_reading', f.reading],
  ];
}

/** The members of a v2 payload. */
export function v2Members(f: V2Fields): Members {
  return [
    ['smarteo_payload_schema_version', '2'],
    ['measurement_start_timestamp_utc', JSON.stringify(f.start)],
    ['measurement_end_timestamp_utc', JSON.stringify(f.end)],
    ['register_id', String(f.registerId)],
    ['value', f.value],
  ];
}

/** JSON object text of members (raw JSON values are written as given, so decimals keep their text). */
export function membersToJson(members: Members): string {
  return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/** Decimal text with three decimals of an integer count of thousandths: 12345678 -> "12345.678". */
export function thousandthsToDecimal(thousandths: number): string {
  const sign = thousandths < 0 ? '-' : '';
  const abs = Math.abs(thousandths);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** How a timestamp is spelled: in UTC with `Z`, or at an offset; and digits written below the millisecond. */
export interface TimestampSpelling {
  /** Minutes east of UTC (-1439 .. 1439); written as an offset, `+00:00` included. @default - `Z` */
  readonly offsetMinutes?: number;
  /** `colon` (`+01:00`), `basic` (`+0100`) or `hours` (`+01`, for whole hours only). @default 'colon' */
  readonly offsetStyle?: 'colon' | 'basic' | 'hours';
  /** Digits written after the milliseconds (`'000'`; for a system time, any: `'456'`). @default '' */
  readonly subMillisDigits?: string;
}

/**
 * An instant (`YYYY-MM-DDTHH:mm:ss.sssZ`) spelled another way the provider may write it: the same instant at a UTC
 * offset (`2026-01-01T01:00:00.000+01:00`), with digits below the millisecond. Years stay 0001-9999 for offsets
 * within a day of instants from 0002 to 9998.
 */
export function writeTimestamp(utcIso: string, spelling: TimestampSpelling = {}): string {
  const ms = Date.parse(utcIso);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== utcIso) {
    throw new Error(`writeTimestamp takes YYYY-MM-DDTHH:mm:ss.sssZ, got ${JSON.stringify(utcIso)}`);
  }
  const digits = spelling.subMillisDigits ?? '';
  if (spelling.offsetMinutes === undefined) return utcIso.replace('Z', `${digits}Z`);
  const offset = spelling.offsetMinutes;
  if (!Number.isInteger(offset) || Math.abs(offset) > 1439) throw new Error(`offset out of range: ${offset}`);
  const local = new Date(ms + offset * 60_000).toISOString().replace('Z', '');
  const sign = offset < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0');
  const mm = String(Math.abs(offset) % 60).padStart(2, '0');
  const style = spelling.offsetStyle ?? 'colon';
  const zone =
    style === 'basic' ? `${sign}${hh}${mm}` : style === 'hours' && mm === '00' ? `${sign}${hh}` : `${sign}${hh}:${mm}`;
  return `${local}${digits}${zone}`;
}

/** JSON text of a positive integer as an encoder may write it: `12`, `12.0` (a whole double) or `1.2e1`. */
export function writeInteger(n: number, style: 'plain' | 'point-zero' | 'exponent' = 'plain'): string {
  const text = String(n);
  if (style === 'point-zero') return `${text}.0`;
  if (style === 'exponent') return `${text[0]}${text.length > 1 ? `.${text.slice(1)}` : ''}e${text.length - 1}`;
  return text;
}
