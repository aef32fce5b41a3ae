/**
 * Where the MQTT username and password come from: the environment, an AWS Secrets Manager secret (JSON
 * `{"username","password"}`), or nothing (a loopback broker without authentication). A secret is fetched on first use
 * and again after the broker refuses the credentials, so a rotated secret is picked up without a restart.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CredentialsError } from './errors';

/** A username and password for CONNECT. */
export interface MqttCredentials {
  readonly username: string;
  readonly password: string;
}

/** Supplies the credentials for each connection attempt. */
export interface CredentialsProvider {
  /** What the credentials are, for logs (never the password). */
  readonly source: string;
  /** The credentials to connect with, or undefined for none. */
  get(): Promise<MqttCredentials | undefined>;
  /** Forgets cached credentials: the next {@link get} fetches them again. */
  invalidate(): void;
}

/** Fixed credentials (from MQTT_USERNAME/MQTT_PASSWORD), or none. */
export function staticCredentials(credentials: MqttCredentials | undefined): CredentialsProvider {
  return {
    source: credentials ? 'MQTT_USERNAME/MQTT_PASSWORD' : 'none (loopback broker)',
    get: () => Promise.resolve(credentials),
    invalidate: () => {},
  };
}

/** Credentials from a Secrets Manager secret whose value is JSON `{"username": "...", "password": "..."}`. */
export function secretCredentials(secretId: string, client: SecretsManagerClient): CredentialsProvider {
  let cached: Promise<MqttCredentials> | undefined;
  const fetch = async (): Promise<MqttCredentials> => {
    let text: string | undefined;
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    } catch (err) {
      throw new CredentialsError(
        `cannot read secret ${JSON.stringify(secretId)} (MQTT_CREDENTIALS_SECRET_ID): ${(err as Error).name}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return parseSecret(secretId, text);
  };
  return {
    source: `secret ${JSON.stringify(secretId)}`,
    get: () => {
      cached ??= fetch();
      // A failed fetch is not cached: the next attempt tries again.
      cached.catch(() => (cached = undefined));
      return cached;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}

/** Parses a secret's text; the message of an error never quotes the secret's contents. */
export function parseSecret(secretId: string, text: string | undefined): MqttCredentials {
  const bad = (what: string) =>
    new CredentialsError(
      `secret ${JSON.stringify(secretId)} (MQTT_CREDENTIALS_SECRET_ID) ${what}: it must be JSON {"username": "...", "password": "..."}`,
    );
  if (text === undefined) throw bad('has no value');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad('is not a JSON object');
  const { username, password } = doc as Record<string, unknown>;
  if (typeof username !== 'string' || username === '') throw bad('has no string "username"');
  if (typeof password !== 'string' || password === '') throw bad('has no string "password"');
  return { username, password };
}
