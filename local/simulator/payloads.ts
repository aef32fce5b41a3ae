/**
 * The provider's two payload versions, written as the provider writes them: JSON text with decimal numbers kept as
 * text (`12345.678`, never a binary float). Pure functions of their arguments.
 */

/** The fields of a v1 payload (register 2, an accumulated reading). */
export interface V1Fields {
  readonly dataTime: string;
  readonly systemTime: string;
  readonly registerId: number;
  /** Decimal text of the reading. */
  readonly reading: string;
}

/** The fields of a v2 payload (any other register, an interval value). */
export interface V2Fields {
  readonly start: string;
  readonly end: string;
  readonly registerId: number;
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
