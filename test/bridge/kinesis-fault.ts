/**
 * Client-level observation and faults for the Kinesis client the bridge uses (SDK middleware): records when each
 * PutRecords call completed and which records it carried, and can fail chosen entries of a call the way Kinesis does
 * (the entry is not written; its result carries an ErrorCode). The only fault here that no local Kinesis can produce.
 */
import type { KinesisClient, PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { decodeStreamRecord } from '../../core';
import { nextSeq } from './tcp-proxy';

/** One PutRecords call as seen by the client. */
export interface ObservedCall {
  /** The `n` of each record sent (payload `{"n":...}`), in order. */
  readonly sent: number[];
  /** The `n` of each record Kinesis accepted. */
  readonly written: number[];
  /** Global order of the moment the answer came back. */
  readonly seq: number;
}

/** Decides which entries of a call fail: returns true to fail entry `index` of call number `call` (1-based). */
export type FailEntry = (call: number, index: number, n: number) => boolean;

function nOf(data: Uint8Array | undefined): number {
  const r = decodeStreamRecord(data ?? new Uint8Array());
  if (!r.ok) return -1;
  try {
    return (JSON.parse(Buffer.from(r.value.payload).toString('utf8')) as { n: number }).n;
  } catch {
    return -1;
  }
}

/** Adds the observer (and the optional fault) to `client`; returns the calls seen and when each record was written. */
export function observePutRecords(
  client: KinesisClient,
  fail?: FailEntry,
): { calls: ObservedCall[]; writtenAt: Map<number, number> } {
  const calls: ObservedCall[] = [];
  const writtenAt = new Map<number, number>();
  let callNo = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      callNo += 1;
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const sent = records.map((r) => nOf(r.Data));
      const failing = new Set(records.map((_, i) => i).filter((i) => fail?.(callNo, i, sent[i] as number)));
      const kept = records.filter((_, i) => !failing.has(i));
      let result;
      if (kept.length === 0) {
        result = {
          output: { Records: [], FailedRecordCount: 0, $metadata: {} } as PutRecordsCommandOutput,
          response: {},
        };
      } else {
        result = await next({ ...args, input: { ...input, Records: kept } });
      }
      const output = result.output as PutRecordsCommandOutput;
      const keptResults = [...(output.Records ?? [])];
      const merged = records.map((_, i) =>
        failing.has(i)
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected by the test' }
          : keptResults.shift()!,
      );
      output.Records = merged;
      output.FailedRecordCount = merged.filter((r) => r.ErrorCode).length;
      const seq = nextSeq();
      const written: number[] = [];
      merged.forEach((r, i) => {
        if (!r.ErrorCode) {
          written.push(sent[i] as number);
          if (!writtenAt.has(sent[i] as number)) writtenAt.set(sent[i] as number, seq);
        }
      });
      calls.push({ sent, written, seq });
      return result as typeof result & { output: never };
    },
    { step: 'initialize', name: 'testObservePutRecords' },
  );
  return { calls, writtenAt };
}

/** Delays each PutRecords call by `latencyOfCall(n)` ms (call n, 1-based) before it reaches Kinesis. */
export function delayPutRecords(client: KinesisClient, latencyOfCall: (call: number) => number): void {
  let callNo = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      callNo += 1;
      await new Promise((r) => setTimeout(r, latencyOfCall(callNo)));
      return next(args);
    },
    { step: 'initialize', name: 'testDelayPutRecords' },
  );
}
