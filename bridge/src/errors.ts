/**
 * The bridge's errors: one base class, a subclass per kind of failure. Each sets `name` and keeps its `cause`.
 */

/** The base of every error the bridge raises on purpose. */
export class BridgeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BridgeError';
  }
}

/** The environment is not a valid configuration: one line per problem in `problems`. */
export class ConfigError extends BridgeError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The MQTT credentials could not be obtained (a missing or malformed secret). Never carries the password. */
export class CredentialsError extends BridgeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}

/**
 * The error MQTT.js receives from `handleMessage` for every QoS 1 message the bridge takes: it suppresses MQTT.js's
 * own PUBACK (see `mqtt-session.ts`); the bridge sends the PUBACK itself once Kinesis holds the record.
 */
export class DeferredAck extends BridgeError {
  constructor() {
    super('PUBACK deferred until the record is in Kinesis');
    this.name = 'DeferredAck';
  }
}
