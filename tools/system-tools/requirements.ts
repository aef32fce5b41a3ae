/**
 * The system tools the test suites need that npm cannot bring, and the plan to provide the missing ones: install the
 * Debian packages when this is a Debian machine and the user is root, otherwise fail at once with the one command to
 * run. Pure: {@link planSystemTools} takes what was found and returns what to do; `ensure.ts` does the I/O.
 */

/** A tool a suite needs, the binaries that prove it is there, and the Debian package that provides them. */
export interface SystemTool {
  readonly name: string;
  /** Each must be found (on PATH or in the sbin/bin directories). */
  readonly binaries: readonly string[];
  readonly debianPackage: string;
  /** Which suites need it, for the one line that says what is being installed. */
  readonly neededBy: string;
}

/** What `npm test` needs beyond Node.js and npm. */
export const SYSTEM_TOOLS: readonly SystemTool[] = [
  {
    name: 'mosquitto',
    binaries: ['mosquitto', 'mosquitto_passwd'],
    debianPackage: 'mosquitto',
    neededBy: 'the bridge and chaos suites (a real MQTT broker)',
  },
  {
    name: 'java',
    binaries: ['java'],
    debianPackage: 'default-jre-headless',
    neededBy: 'DynamoDB Local',
  },
  {
    name: 'openssl',
    binaries: ['openssl'],
    debianPackage: 'openssl',
    neededBy: 'the TLS tests (certificates are generated at test time)',
  },
];

/** What the machine offers for installing. */
export interface MachineFacts {
  /** Binaries found, by name. */
  readonly found: ReadonlySet<string>;
  readonly isRoot: boolean;
  readonly hasAptGet: boolean;
  /** Installing was turned off (`METER_BRIDGE_NO_INSTALL=1`). */
  readonly installDisabled: boolean;
}

/** What to do: nothing, install these Debian packages, or fail with this message. */
export type SystemToolsPlan =
  | { readonly kind: 'ready' }
  | { readonly kind: 'install'; readonly packages: readonly string[]; readonly message: string }
  | { readonly kind: 'fail'; readonly message: string };

/** The missing tools of {@link SYSTEM_TOOLS} given what was found. */
export function missingTools(found: ReadonlySet<string>, tools: readonly SystemTool[] = SYSTEM_TOOLS): SystemTool[] {
  return tools.filter((tool) => tool.binaries.some((binary) => !found.has(binary)));
}

/** Decides how to provide the missing tools. */
export function planSystemTools(facts: MachineFacts, tools: readonly SystemTool[] = SYSTEM_TOOLS): SystemToolsPlan {
  const missing = missingTools(facts.found, tools);
  if (missing.length === 0) return { kind: 'ready' };
  const packages = [...new Set(missing.map((tool) => tool.debianPackage))];
  const names = missing.map((tool) => `${tool.name} (${tool.neededBy})`).join(', ');
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (facts.isRoot && facts.hasAptGet && !facts.installDisabled) {
    return { kind: 'install', packages, message: `system-tools: installing ${packages.join(' ')} for ${names}` };
  }
  const why = !facts.hasAptGet
    ? 'this machine has no apt-get'
    : facts.installDisabled
      ? 'installing is turned off (METER_BRIDGE_NO_INSTALL=1)'
      : 'installing needs root';
  const run = facts.hasAptGet && !facts.isRoot ? `sudo sh -c '${command}'` : command;
  return { kind: 'fail', message: `system-tools: missing ${names}; ${why}: run \`${run}\`` };
}
