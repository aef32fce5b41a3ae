/**
 * A replay run's state file: what it replays from, how far it got, what it sent and skipped. It is written after
 * every chunk the stream accepted (atomically: a temporary file, then a rename), so an interrupted run resumes after
 * the last accepted chunk, and it stays when the run ends, as the run's trace (with `finishedAt`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReplaySource } from '../../core';

/** The state and trace of one run. */
export interface ReplayState {
  readonly id: string;
  /** When the run started: the `at` of every record's marker. */
  readonly at: string;
  readonly source: ReplaySource;
  /** What was asked for (source options and filters), as given. */
  readonly selection: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  /** Items of the source read and dealt with, in the source's order (what a resume skips). */
  done: number;
  /** The `of` of the last item dealt with: a resume checks that the source still has it there. */
  lastOf?: string;
  /** Records put back into the stream (or, in a dry run, that would be). */
  sent: number;
  /** Items not selected by the filters. */
  notSelected: number;
  /** Items that cannot be replayed, by why. */
  skipped: Record<string, number>;
  /** Records sent (or to send) per customer (the partition key's first part). */
  byCustomer: Record<string, number>;
  firstOf?: string;
  updatedAt: string;
  finishedAt?: string;
  /** Times the run was resumed. */
  resumes: number;
}

/** A state file that cannot be used, named with why. */
export class ReplayStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayStateError';
  }
}

/** The state file of run `id` in `dir`. */
export function statePath(dir: string, id: string): string {
  return join(dir, `${id}.json`);
}

/** Writes the state atomically. */
export function saveState(dir: string, state: ReplayState): void {
  mkdirSync(dir, { recursive: true });
  const path = statePath(dir, state.id);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Reads the state of run `id`; a run that finished, or no such file, is an error. */
export function loadState(dir: string, id: string): ReplayState {
  const path = statePath(dir, id);
  if (!existsSync(path))
    throw new ReplayStateError(`no replay run ${JSON.stringify(id)} to resume: ${path} does not exist`);
  const state = JSON.parse(readFileSync(path, 'utf8')) as ReplayState;
  if (state.finishedAt)
    throw new ReplayStateError(`replay run ${id} finished at ${state.finishedAt}: nothing to resume`);
  return state;
}
