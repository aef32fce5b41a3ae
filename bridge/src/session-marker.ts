/**
 * Whether this feed's client id has held a session before: the one thing a new process cannot learn from the broker.
 * A CONNACK with session present = 0 is normal on a feed's very first connection and a lost session on any other
 * (the readings the broker queued meanwhile are gone), so the bridge counts it in `SessionsLost` unless the marker says
 * the feed never held one.
 *
 * The marker is written once, after the first subscription of the feed is granted, and read once at start. Where:
 * - in AWS, a small Secrets Manager secret per feed, created by the CDK app (`BRIDGE_SESSION_MARKER_SECRET_ID`): the
 *   task already talks to Secrets Manager for its credentials, so this adds one resource and two actions on it
 *   (`GetSecretValue`, `PutSecretValue`) and no new client or dependency. Its value is JSON
 *   `{"sessionHeldSince": "<ISO time>", "clientId": "..."}`; anything else (the random string the secret is created
 *   with) means "never held";
 * - on one machine, a file (`BRIDGE_SESSION_MARKER_FILE`), for local runs and tests;
 * - neither: the bridge cannot tell a first start from a lost session, counts only what happens after its own first
 *   subscription (the behaviour before markers), and says so at start.
 *
 * When the marker cannot be read, the bridge assumes the feed held a session: a false page on a feed's very first
 * start is better than a loss that never pages.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** What the marker holds. */
export interface SessionMarkerValue {
  /** When the feed's first subscription was granted. */
  readonly sessionHeldSince: string;
  /** The client id that held it. */
  readonly clientId: string;
}

/** Where the marker lives. */
export interface SessionMarker {
  /** For logs: where the marker is. */
  readonly source: string;
  /** The marker, or undefined when the feed never held a session. Throws when it cannot be read. */
  read(): Promise<SessionMarkerValue | undefined>;
  /** Records that the feed holds a session. Throws when it cannot be written. */
  write(value: SessionMarkerValue): Promise<void>;
}

/** Parses a marker's text; anything that is not a marker means "never held". */
export function parseMarker(text: string | undefined): SessionMarkerValue | undefined {
  if (text === undefined) return undefined;
  try {
    const doc = JSON.parse(text) as Partial<SessionMarkerValue> | null;
    if (doc && typeof doc.sessionHeldSince === 'string' && typeof doc.clientId === 'string') {
      return { sessionHeldSince: doc.sessionHeldSince, clientId: doc.clientId };
    }
  } catch {
    // the secret's initial random value
  }
  return undefined;
}

/** A marker in a Secrets Manager secret. */
export function secretSessionMarker(secretId: string, client: SecretsManagerClient): SessionMarker {
  return {
    source: `secret ${JSON.stringify(secretId)} (BRIDGE_SESSION_MARKER_SECRET_ID)`,
    read: async () => {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        return parseMarker(out.SecretString);
      } catch (err) {
        // A secret with no value yet has no AWSCURRENT version: never held.
        if (err instanceof ResourceNotFoundException && /version/i.test(err.message)) return undefined;
        throw err;
      }
    },
    write: async (value) => {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
    },
  };
}

/** A marker in a local file (local runs and tests). */
export function fileSessionMarker(path: string): SessionMarker {
  return {
    source: `file ${JSON.stringify(path)} (BRIDGE_SESSION_MARKER_FILE)`,
    read: () => {
      try {
        return Promise.resolve(parseMarker(readFileSync(path, 'utf8')));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(undefined);
        return Promise.reject(err as Error);
      }
    },
    write: (value) => {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(value)}\n`);
      return Promise.resolve();
    },
  };
}
